package com.nimbusds.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;

public class SignedJWT {
    public SignedJWT(JWSHeader header, JWTClaimsSet claimsSet) { }
    public synchronized void sign(JWSSigner signer) throws JOSEException { }
    public String serialize() { return null; }
}
