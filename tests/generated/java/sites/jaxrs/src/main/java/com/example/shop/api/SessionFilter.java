package com.example.shop.api;

import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.Cookie;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.ext.Provider;
import java.security.Principal;
import java.util.List;
import java.util.Map;

/** The shop's login session: a "session" cookie naming the signed-in user, who has one role. */
@Provider
@Priority(Priorities.AUTHENTICATION)
public class SessionFilter implements ContainerRequestFilter {

    /** session -> (user name, role). */
    static final Map<String, List<String>> SESSIONS = Map.of(
            "alice", List.of("alice@example.com", "CUSTOMER"),
            "bob", List.of("bob@example.com", "CUSTOMER"),
            "carol", List.of("carol@example.com", "STAFF"));

    @Override
    public void filter(ContainerRequestContext request) {
        Cookie cookie = request.getCookies().get("session");
        List<String> user = cookie == null ? null : SESSIONS.get(cookie.getValue());
        if (user == null) {
            return;
        }
        Principal principal = () -> user.get(0);
        request.setSecurityContext(new SecurityContext() {
            @Override
            public Principal getUserPrincipal() {
                return principal;
            }

            @Override
            public boolean isUserInRole(String role) {
                return user.get(1).equals(role);
            }

            @Override
            public boolean isSecure() {
                return false;
            }

            @Override
            public String getAuthenticationScheme() {
                return "session";
            }
        });
    }
}
