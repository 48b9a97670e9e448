package jakarta.servlet.http;

import java.security.Principal;

public interface HttpServletRequest {
    String getHeader(String name);
    Principal getUserPrincipal();
}
