package com.example.shop.web;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import java.security.Principal;
import java.time.Instant;
import java.util.Map;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** Support chat for signed-in customers. */
@RestController
@RequestMapping("/support")
public class SupportController {

    private final Customers customers;
    private final String secret;
    private final String keyId;

    public SupportController(Customers customers,
                             @Value("${zendesk.messaging.secret}") String secret,
                             @Value("${zendesk.messaging.key-id}") String keyId) {
        this.customers = customers;
        this.secret = secret;
        this.keyId = keyId;
    }

    @GetMapping("/hours")
    public Map<String, String> hours() {
        return Map.of("hours", "Mon-Fri 9:00-17:00");
    }

    // Zendesk messaging: the JWT the widget's loginUser callback asks for.
    @GetMapping("/zendesk/jwt")
    @PreAuthorize("hasRole('CUSTOMER')")
    public Map<String, String> zendeskJwt(Principal principal) {
        Customers.Customer customer = customers.findByUsername(principal.getName());
        String token = JWT.create()
                .withKeyId(keyId)
                .withClaim("external_id", String.valueOf(customer.id()))
                .withClaim("name", customer.displayName())
                .withClaim("email", principal.getName())
                .withClaim("scope", "user")
                .withExpiresAt(Instant.now().plusSeconds(300))
                .sign(Algorithm.HMAC256(secret));
        return Map.of("token", token);
    }
}
