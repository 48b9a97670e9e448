package org.springframework.stereotype;

public @interface Repository {
}
