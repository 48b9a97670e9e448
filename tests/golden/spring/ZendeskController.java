package com.example.shop.web;

import com.example.shop.customers.Customer;
import com.example.shop.customers.CustomerRepository;
import jakarta.servlet.http.HttpServletRequest;
import java.security.Principal;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.web.bind.annotation.RestController;

/** Support chat for signed-in customers. */
@RestController
public class ZendeskController implements GenesysOidcController.Claims {

    private final CustomerRepository customers;
    private final String secret;
    private final String keyId;

    public ZendeskController(CustomerRepository customers,
                             @Value("${zendesk.messaging.secret}") String secret,
                             @Value("${zendesk.messaging.key-id}") String keyId) {
        this.customers = customers;
        this.secret = secret;
        this.keyId = keyId;
    }

    // Genesys Cloud Messenger signs visitors in through the OpenID provider at /oidc
    // (GenesysOidcController); these claims replace the Zendesk token endpoint /zendesk/jwt.
    @Override
    @PreAuthorize("hasRole('CUSTOMER')")
    public Map<String, Object> claims(HttpServletRequest request, Principal principal) {
        Customer customer = customers.findByUsername(principal.getName());
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("sub", String.valueOf(customer.getId())); // external_id -> sub (zendesk-messaging.yaml:10)
        claims.put("name", customer.getDisplayName());       // name -> name (zendesk-messaging.yaml:11)
        claims.put("email", principal.getName());            // email -> email (zendesk-messaging.yaml:12)
        claims.put("email_verified", true);                  // email_verified -> email_verified (zendesk-messaging.yaml:13)
        return claims;
    }
}
