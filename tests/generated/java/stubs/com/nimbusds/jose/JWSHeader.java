package com.nimbusds.jose;

public final class JWSHeader {
    public JWSHeader(JWSAlgorithm alg) { }
    public static class Builder {
        public Builder(JWSAlgorithm alg) { }
        public Builder keyID(String kid) { return this; }
        public Builder type(JOSEObjectType typ) { return this; }
        public JWSHeader build() { return null; }
    }
}
