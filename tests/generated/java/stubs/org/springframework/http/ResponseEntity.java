package org.springframework.http;

public class ResponseEntity<T> {
    public T getBody() { return null; }
    public static BodyBuilder status(HttpStatusCode status) { return null; }
    public static BodyBuilder ok() { return null; }
    public static <T> ResponseEntity<T> ok(T body) { return null; }

    public interface HeadersBuilder<B extends HeadersBuilder<B>> {
        B header(String headerName, String... headerValues);
        B cacheControl(CacheControl cacheControl);
        <T> ResponseEntity<T> build();
    }

    public interface BodyBuilder extends HeadersBuilder<BodyBuilder> {
        BodyBuilder contentType(MediaType contentType);
        <T> ResponseEntity<T> body(T body);
    }
}
