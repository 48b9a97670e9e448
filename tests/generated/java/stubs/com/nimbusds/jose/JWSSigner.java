package com.nimbusds.jose;

public interface JWSSigner {
}
