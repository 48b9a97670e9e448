package com.example.shop;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.AnonymousAuthenticationFilter;
import org.springframework.security.web.authentication.HttpStatusEntryPoint;
import org.springframework.web.filter.OncePerRequestFilter;

/** The shop's login session (a "session" cookie naming the signed-in user) and its access rules. */
@Configuration
public class SecurityConfig {

    /** session -> (user name, role). */
    static final Map<String, List<String>> SESSIONS = Map.of(
            "alice", List.of("alice@example.com", "CUSTOMER"),
            "bob", List.of("bob@example.com", "CUSTOMER"),
            "carol", List.of("carol@example.com", "STAFF"));

    static final class SessionCookieFilter extends OncePerRequestFilter {
        @Override
        protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                throws ServletException, IOException {
            List<String> user = null;
            for (Cookie cookie : request.getCookies() == null ? new Cookie[0] : request.getCookies()) {
                if ("session".equals(cookie.getName())) {
                    user = SESSIONS.get(cookie.getValue());
                }
            }
            if (user != null) {
                SecurityContextHolder.getContext().setAuthentication(UsernamePasswordAuthenticationToken.authenticated(
                        user.get(0), null, List.of(new SimpleGrantedAuthority("ROLE_" + user.get(1)))));
            }
            chain.doFilter(request, response);
        }
    }

    @Bean
    SecurityFilterChain security(HttpSecurity http) throws Exception {
        http.sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .addFilterBefore(new SessionCookieFilter(), AnonymousAuthenticationFilter.class)
                .authorizeHttpRequests(a -> a
                        .requestMatchers("/account/**").authenticated()
                        .anyRequest().permitAll())
                .exceptionHandling(e -> e.authenticationEntryPoint(new HttpStatusEntryPoint(HttpStatus.UNAUTHORIZED)));
        return http.build();
    }
}
