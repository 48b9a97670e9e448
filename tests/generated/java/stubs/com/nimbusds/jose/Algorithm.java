package com.nimbusds.jose;

public class Algorithm {
    public Algorithm(String name) { }
}
