"""Tokens for the Zendesk Messaging widget, made for the signed-in customer."""

import os
import time

import jwt


def zendesk_token(customer):
    payload = {
        "external_id": str(customer.id),
        "name": customer.name,
        "email": customer.email,
        "email_verified": customer.email_verified,
        "scope": "user",
        "exp": int(time.time()) + 300,
    }
    return jwt.encode(payload, os.environ["ZENDESK_SECRET"], algorithm="HS256",
                      headers={"kid": os.environ["ZENDESK_KEY_ID"]})
