package org.springframework.security.core;

import java.security.Principal;

public interface Authentication extends Principal {
    Object getPrincipal();
}
