package hostapp;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.security.servlet.UserDetailsServiceAutoConfiguration;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;
import org.springframework.cache.support.SimpleCacheManager;
import org.springframework.cache.support.SimpleValueWrapper;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.config.annotation.method.configuration.EnableMethodSecurity;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.AnonymousAuthenticationFilter;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.filter.OncePerRequestFilter;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.params.SetParams;

/**
 * A small Spring Boot site with Spring Security that serves the rendered GenesysOidcController the
 * way the wiring leaves a site: the old controller ({@link SupportController}) implements
 * {@code GenesysOidcController.Claims} with its {@code @PreAuthorize} guard, and the security
 * configuration follows the wiring's advice (the provider's endpoints permitted without a login, the
 * token endpoint exempt from CSRF).
 *
 * <p>The signed-in user comes from a "session" cookie or an X-Test-Session header (a stand-in for the
 * site's login session). Test-only extras: POST /test/clock?offset=seconds shifts the provider's
 * clock (a {@link Clock} bean, which the controller takes when there is one); with HOST_APP_CACHE=redis://...
 * the site has a shared CacheManager of its own (a Redis cache, as a site's Spring cache would be). It prints
 * "listening PORT" when ready and exits by itself after HOST_APP_MAX_SECONDS.
 */
@SpringBootApplication(exclude = UserDetailsServiceAutoConfiguration.class)
@EnableMethodSecurity
public class HostApp {

    public static void main(String[] args) {
        double seconds = 60;
        try {
            seconds = Double.parseDouble(System.getenv().getOrDefault("HOST_APP_MAX_SECONDS", "60"));
        } catch (NumberFormatException ignored) {
            // keep the default
        }
        long millis = (long) (seconds * 1000);
        Thread reaper = new Thread(() -> {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException ignored) {
                // exit all the same
            }
            Runtime.getRuntime().halt(0); // never outlive the test that started us
        }, "host-app-lifetime");
        reaper.setDaemon(true);
        reaper.start();
        SpringApplication.run(HostApp.class, args);
    }

    /** The provider's clock: the system clock plus an offset that POST /test/clock sets. */
    static final class ShiftableClock extends Clock {
        private volatile Duration offset = Duration.ZERO;

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.now().plus(offset);
        }

        void shift(Duration by) {
            offset = by;
        }
    }

    @Bean
    ShiftableClock clock() {
        return new ShiftableClock();
    }

    /** The site's login session, as Spring Security sees it: a user with ROLE_CUSTOMER, or nobody. */
    static final class TestSessionFilter extends OncePerRequestFilter {
        @Override
        protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                throws ServletException, IOException {
            String session = request.getHeader("X-Test-Session");
            if (session == null && request.getCookies() != null) {
                for (Cookie cookie : request.getCookies()) {
                    if ("session".equals(cookie.getName())) {
                        session = cookie.getValue();
                    }
                }
            }
            String username = SupportController.USERNAMES.get(session == null ? "" : session);
            if (username != null) {
                SecurityContextHolder.getContext().setAuthentication(UsernamePasswordAuthenticationToken.authenticated(
                        username, null, List.of(new SimpleGrantedAuthority("ROLE_CUSTOMER"))));
            }
            chain.doFilter(request, response);
        }
    }

    @Bean
    SecurityFilterChain security(HttpSecurity http) throws Exception {
        http.sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .addFilterBefore(new TestSessionFilter(), AnonymousAuthenticationFilter.class)
                .authorizeHttpRequests(a -> a
                        .requestMatchers("/oidc/**", "/test/**").permitAll()
                        .anyRequest().authenticated())
                .csrf(c -> c.ignoringRequestMatchers("/oidc/token", "/test/clock"));
        return http.build();
    }

    @RestController
    static class TestClock {
        private final ShiftableClock clock;

        TestClock(ShiftableClock clock) {
            this.clock = clock;
        }

        @PostMapping("/test/clock")
        Map<String, Object> shift(@RequestParam(defaultValue = "0") double offset) {
            clock.shift(Duration.ofMillis((long) (offset * 1000)));
            return Map.of("offset", offset);
        }
    }

    /** A site's own shared cache: the "genesys-oidc" cache on Redis. */
    @Configuration
    @ConditionalOnProperty(name = "HOST_APP_CACHE")
    static class SharedCache {
        @Bean
        CacheManager cacheManager() {
            JedisPooled redis = new JedisPooled(URI.create(System.getenv("HOST_APP_CACHE")));
            SimpleCacheManager manager = new SimpleCacheManager();
            manager.setCaches(List.of(new RedisCache("genesys-oidc", redis)));
            return manager;
        }
    }

    static final class RedisCache implements Cache {
        private final String name;
        private final JedisPooled redis;

        RedisCache(String name, JedisPooled redis) {
            this.name = name;
            this.redis = redis;
        }

        private String key(Object key) {
            return "site-cache:" + name + ":" + key;
        }

        @Override
        public String getName() {
            return name;
        }

        @Override
        public Object getNativeCache() {
            return redis;
        }

        @Override
        public ValueWrapper get(Object key) {
            String value = redis.get(key(key));
            return value == null ? null : new SimpleValueWrapper(value);
        }

        @Override
        public <T> T get(Object key, Class<T> type) {
            ValueWrapper found = get(key);
            return found == null ? null : type.cast(found.get());
        }

        @Override
        public <T> T get(Object key, Callable<T> valueLoader) {
            throw new UnsupportedOperationException("not used");
        }

        @Override
        public void put(Object key, Object value) {
            redis.set(key(key), String.valueOf(value));
        }

        @Override
        public ValueWrapper putIfAbsent(Object key, Object value) {
            if ("OK".equals(redis.set(key(key), String.valueOf(value), SetParams.setParams().nx()))) {
                return null;
            }
            ValueWrapper there = get(key);
            return there == null ? new SimpleValueWrapper("") : there;
        }

        @Override
        public void evict(Object key) {
            redis.del(key(key));
        }

        @Override
        public void clear() {
            // not used
        }
    }

    @EventListener
    public void ready(ApplicationReadyEvent event) {
        int port = ((WebServerApplicationContext) event.getApplicationContext()).getWebServer().getPort();
        System.out.println("listening " + port);
        System.out.flush();
    }
}
