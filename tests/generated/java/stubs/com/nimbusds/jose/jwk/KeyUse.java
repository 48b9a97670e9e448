package com.nimbusds.jose.jwk;

public final class KeyUse {
    public static final KeyUse SIGNATURE = new KeyUse("sig");
    public KeyUse(String identifier) { }
}
