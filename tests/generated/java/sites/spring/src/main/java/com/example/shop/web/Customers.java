package com.example.shop.web;

import java.util.Map;
import org.springframework.stereotype.Component;

/** The shop's customers, by user name. */
@Component
public class Customers {

    public record Customer(long id, String displayName) {
    }

    private static final Map<String, Customer> BY_USERNAME = Map.of(
            "alice@example.com", new Customer(42, "Alice Example"),
            "bob@example.com", new Customer(7, "Bob Example"),
            "carol@example.com", new Customer(3, "Carol Staff"));

    public Customer findByUsername(String username) {
        return BY_USERNAME.get(username);
    }
}
