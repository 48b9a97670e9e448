package com.nimbusds.jose.crypto;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.jwk.RSAKey;

public class RSASSASigner implements JWSSigner {
    public RSASSASigner(RSAKey rsaJWK) throws JOSEException { }
}
