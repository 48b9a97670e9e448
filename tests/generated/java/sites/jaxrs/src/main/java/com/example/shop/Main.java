package com.example.shop;

import com.example.shop.api.SessionFilter;
import java.net.URI;
import org.glassfish.jersey.jdkhttp.JdkHttpServerFactory;
import org.glassfish.jersey.server.ResourceConfig;
import org.glassfish.jersey.server.filter.RolesAllowedDynamicFeature;

/**
 * The shop: its resources on the JDK's HTTP server at 127.0.0.1:$PORT. It prints "listening PORT" once
 * it serves, and ends itself after HOST_APP_MAX_SECONDS (60 by default).
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        double seconds = Double.parseDouble(System.getenv().getOrDefault("HOST_APP_MAX_SECONDS", "60"));
        Thread reaper = new Thread(() -> {
            try {
                Thread.sleep((long) (seconds * 1000));
            } catch (InterruptedException ignored) {
                // end all the same
            }
            Runtime.getRuntime().halt(0);
        }, "shop-lifetime");
        reaper.setDaemon(true);
        reaper.start();
        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
        ResourceConfig config = new ResourceConfig()
                .packages("com.example.shop.api")
                .register(RolesAllowedDynamicFeature.class);
        JdkHttpServerFactory.createHttpServer(URI.create("http://127.0.0.1:" + port + "/"), config);
        System.out.println("listening " + port);
        System.out.flush();
    }
}
