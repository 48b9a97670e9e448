package hostapp;

import jakarta.servlet.http.HttpServletRequest;
import java.security.Principal;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/**
 * The site's old Zendesk token controller as the wiring leaves it: it implements
 * {@code GenesysOidcController.Claims} and keeps its security annotation, so the claims are read only
 * for a signed-in customer. It says that it ran with an X-Guard response header.
 */
@RestController
public class SupportController implements GenesysOidcController.Claims {

    /** session -> user name. */
    static final Map<String, String> USERNAMES = Map.of("alice", "alice@example.com", "bob", "bob@example.com");

    private record Customer(Object id, String displayName) {
    }

    /** When alice signed in: the site started; the site does not know when bob did. */
    static final Instant ALICE_SIGNED_IN = Instant.now();

    private static final Map<String, Customer> CUSTOMERS = Map.of(
            "alice@example.com", new Customer(42, "Alice Example"),
            "bob@example.com", new Customer("b-7", "Bob Example"));

    @Override
    @PreAuthorize("hasRole('CUSTOMER')")
    public Map<String, Object> claims(HttpServletRequest request, Principal principal) {
        ServletRequestAttributes attributes = (ServletRequestAttributes) RequestContextHolder.currentRequestAttributes();
        if (attributes.getResponse() != null) {
            attributes.getResponse().setHeader("X-Guard", "ran");
        }
        Customer customer = CUSTOMERS.get(principal.getName());
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("sub", String.valueOf(customer.id()));
        claims.put("name", customer.displayName());
        claims.put("email", principal.getName());
        claims.put("email_verified", true);
        if ("alice@example.com".equals(principal.getName())) {
            claims.put("auth_time", ALICE_SIGNED_IN); // the provider's auth_time, not a claim of its own
        }
        return claims;
    }
}
