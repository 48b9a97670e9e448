package com.nimbusds.jwt;

import java.util.Date;

public final class JWTClaimsSet {
    public static class Builder {
        public Builder claim(String name, Object value) { return this; }
        public Builder issuer(String iss) { return this; }
        public Builder audience(String aud) { return this; }
        public Builder issueTime(Date iat) { return this; }
        public Builder expirationTime(Date exp) { return this; }
        public JWTClaimsSet build() { return null; }
    }
}
