package com.nimbusds.jose;

public final class JWSAlgorithm extends Algorithm {
    public static final JWSAlgorithm HS256 = new JWSAlgorithm("HS256");
    public static final JWSAlgorithm RS256 = new JWSAlgorithm("RS256");
    public JWSAlgorithm(String name) { super(name); }
}
