package org.springframework.security.core.annotation;

public @interface AuthenticationPrincipal {
}
