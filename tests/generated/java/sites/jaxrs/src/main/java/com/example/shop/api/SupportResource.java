package com.example.shop.api;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;
import java.time.Instant;

/** Support chat for signed-in customers. */
@Path("/support")
public class SupportResource {

    @GET
    @Path("hours")
    @Produces(MediaType.APPLICATION_JSON)
    public String hours() {
        return "{\"hours\":\"Mon-Fri 9:00-17:00\"}";
    }

    // Zendesk messaging: the JWT the widget's loginUser callback asks for.
    @GET
    @Path("zendesk/jwt")
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed("CUSTOMER")
    public String zendeskJwt(@Context SecurityContext security) {
        String username = security.getUserPrincipal().getName();
        Customers.Customer customer = Customers.byUsername(username);
        String token = JWT.create()
                .withKeyId(System.getenv("ZENDESK_KEY_ID"))
                .withClaim("external_id", String.valueOf(customer.id()))
                .withClaim("name", customer.displayName())
                .withClaim("email", username)
                .withClaim("scope", "user")
                .withExpiresAt(Instant.now().plusSeconds(300))
                .sign(Algorithm.HMAC256(System.getenv("ZENDESK_SECRET")));
        return "{\"token\":\"" + token + "\"}";
    }
}
