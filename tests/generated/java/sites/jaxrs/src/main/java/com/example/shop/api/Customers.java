package com.example.shop.api;

import java.util.Map;

/** The shop's customers, by user name. */
public final class Customers {

    public record Customer(long id, String displayName) {
    }

    private static final Map<String, Customer> BY_USERNAME = Map.of(
            "alice@example.com", new Customer(42, "Alice Example"),
            "bob@example.com", new Customer(7, "Bob Example"),
            "carol@example.com", new Customer(3, "Carol Staff"));

    private Customers() {
    }

    public static Customer byUsername(String username) {
        return BY_USERNAME.get(username);
    }
}
