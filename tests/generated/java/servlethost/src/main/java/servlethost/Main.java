package servlethost;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.catalina.Context;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;

/**
 * A site of plain servlets on embedded Tomcat that maps the rendered GenesysOidcServlet at /oidc/*
 * behind its login filter, as the standalone wiring asks a site to:
 *
 * <pre>java -jar servlethost.jar PORT</pre>
 *
 * <p>The login filter turns a "session" cookie (or an X-Test-Session header) into the request's
 * "customer" attribute and says that it ran (X-Guard). The claims read the customer, nobody without one;
 * alice's include the time she signed in (the site's start), bob's do not. Test-only: POST
 * /test/clock?offset=seconds shifts the provider's clock. It prints "listening PORT" when ready and exits
 * by itself after HOST_APP_MAX_SECONDS.
 */
public final class Main {

    private record Customer(String id, String name, String email, Instant signedIn) {
    }

    private static final Instant STARTED = Instant.now();
    private static final Map<String, Customer> CUSTOMERS = Map.of(
            "alice", new Customer("42", "Alice Example", "alice@example.com", STARTED),
            "bob", new Customer("b-7", "Bob Example", "bob@example.com", null));

    private Main() {
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
    }

    static final class LoginFilter extends HttpFilter {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                throws IOException, ServletException {
            String session = request.getHeader("X-Test-Session");
            if (session == null && request.getCookies() != null) {
                for (Cookie cookie : request.getCookies()) {
                    if ("session".equals(cookie.getName())) {
                        session = cookie.getValue();
                    }
                }
            }
            request.setAttribute("customer", CUSTOMERS.get(session == null ? "" : session));
            response.setHeader("X-Guard", "ran");
            chain.doFilter(request, response);
        }
    }

    static Map<String, Object> claims(HttpServletRequest request) {
        Customer customer = (Customer) request.getAttribute("customer");
        if (customer == null) {
            return null;
        }
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("sub", customer.id());
        claims.put("name", customer.name());
        claims.put("email", customer.email());
        claims.put("email_verified", true);
        if (customer.signedIn() != null) {
            claims.put("auth_time", customer.signedIn());
        }
        return claims;
    }

    public static void main(String[] args) throws Exception {
        long millis = (long) (Double.parseDouble(System.getenv().getOrDefault("HOST_APP_MAX_SECONDS", "60")) * 1000);
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

        int port = Integer.parseInt(args[0]);
        ShiftableClock clock = new ShiftableClock();
        GenesysOidcServlet oidc;
        try {
            oidc = new GenesysOidcServlet(Main::claims, clock);
        } catch (IllegalStateException e) {
            System.err.println(e.getMessage()); // what a server does when start-up fails: say why and exit
            System.exit(1);
            return;
        }
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(Files.createTempDirectory("servlethost").toString());
        tomcat.setHostname("127.0.0.1");
        tomcat.setPort(port);
        tomcat.getConnector().setProperty("address", "127.0.0.1");
        Context context = tomcat.addContext("", null);
        Tomcat.addServlet(context, "oidc", oidc);
        context.addServletMappingDecoded("/oidc/*", "oidc");
        Tomcat.addServlet(context, "clock", new HttpServlet() {
            private static final long serialVersionUID = 1L;

            @Override
            protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
                double seconds = Double.parseDouble(request.getParameter("offset"));
                clock.offset = Duration.ofMillis((long) (seconds * 1000));
                response.setContentType("application/json");
                response.getWriter().write("{\"offset\": " + seconds + "}");
            }
        });
        context.addServletMappingDecoded("/test/clock", "clock");
        FilterDef login = new FilterDef();
        login.setFilterName("login");
        login.setFilter(new LoginFilter());
        context.addFilterDef(login);
        FilterMap loginOnAuthorize = new FilterMap();
        loginOnAuthorize.setFilterName("login");
        loginOnAuthorize.addURLPatternDecoded("/oidc/authorize");
        context.addFilterMap(loginOnAuthorize);
        tomcat.start();
        System.out.println("listening " + port);
        System.out.flush();
        tomcat.getServer().await();
    }
}
