package com.example.shop;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.security.servlet.UserDetailsServiceAutoConfiguration;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.event.EventListener;
import org.springframework.security.config.annotation.method.configuration.EnableMethodSecurity;

/**
 * The shop. It prints "listening PORT" once it serves, and ends itself after HOST_APP_MAX_SECONDS
 * (60 by default) so that it never outlives whoever started it.
 */
@SpringBootApplication(exclude = UserDetailsServiceAutoConfiguration.class)
@EnableMethodSecurity
public class ShopApplication {

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
                // end all the same
            }
            Runtime.getRuntime().halt(0);
        }, "shop-lifetime");
        reaper.setDaemon(true);
        reaper.start();
        SpringApplication.run(ShopApplication.class, args);
    }

    @EventListener
    public void ready(ApplicationReadyEvent event) {
        int port = ((WebServerApplicationContext) event.getApplicationContext()).getWebServer().getPort();
        System.out.println("listening " + port);
        System.out.flush();
    }
}
