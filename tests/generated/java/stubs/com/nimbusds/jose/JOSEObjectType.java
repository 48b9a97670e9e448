package com.nimbusds.jose;

public final class JOSEObjectType {
    public static final JOSEObjectType JWT = new JOSEObjectType("JWT");
    public JOSEObjectType(String type) { }
}
