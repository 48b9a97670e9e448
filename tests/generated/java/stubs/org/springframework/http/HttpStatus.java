package org.springframework.http;

public enum HttpStatus implements HttpStatusCode {
    OK, FOUND, BAD_REQUEST, UNAUTHORIZED, INTERNAL_SERVER_ERROR
}
