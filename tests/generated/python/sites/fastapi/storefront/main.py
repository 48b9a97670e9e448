"""Storefront API: sign-in, orders, and the Zendesk Messaging widget's token."""

import os
import time

import jwt
from fastapi import Depends, FastAPI, Response
from pydantic import BaseModel

from .auth import USERS, User, current_user, sign_in

app = FastAPI(title="Storefront")


class Credentials(BaseModel):
    username: str


@app.post("/login")
def login(credentials: Credentials, response: Response) -> dict:
    if credentials.username not in USERS:
        return {"signed_in": False}
    response.set_cookie("session", sign_in(credentials.username), httponly=True, samesite="lax")
    return {"signed_in": True}


@app.get("/orders")
def orders(user: User = Depends(current_user)) -> dict:
    return {"customer": user.id, "orders": []}


@app.get("/zendesk/jwt")
async def zendesk_jwt(user: User = Depends(current_user)) -> dict:
    """The Zendesk Messaging widget's loginUser callback fetches its token here."""
    claims = {
        "external_id": user.id,
        "name": f"{user.first_name} {user.last_name}",
        "email": user.email,
        "email_verified": user.email_verified,
        "scope": "user",
        "exp": int(time.time()) + 300,
    }
    token = jwt.encode(claims, os.environ["ZENDESK_SECRET"], algorithm="HS256",
                       headers={"kid": os.environ["ZENDESK_KEY_ID"]})
    return {"jwt": token}
