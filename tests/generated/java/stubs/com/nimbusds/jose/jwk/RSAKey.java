package com.nimbusds.jose.jwk;

import com.nimbusds.jose.Algorithm;
import com.nimbusds.jose.JOSEException;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Map;

public final class RSAKey {
    public String getKeyID() { return null; }
    public RSAKey toPublicJWK() { return this; }
    public Map<String, Object> toJSONObject() { return null; }
    public static class Builder {
        public Builder(RSAPublicKey pub) { }
        public Builder privateKey(RSAPrivateKey priv) { return this; }
        public Builder keyUse(KeyUse use) { return this; }
        public Builder algorithm(Algorithm alg) { return this; }
        public Builder keyIDFromThumbprint() throws JOSEException { return this; }
        public RSAKey build() { return null; }
    }
}
