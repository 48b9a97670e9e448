package org.springframework.security.access.prepost;

public @interface PreAuthorize {
    String value();
}
