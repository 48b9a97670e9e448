package org.springframework.http;

public class CacheControl {
    public static CacheControl noStore() { return new CacheControl(); }
}
