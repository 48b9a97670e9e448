"""Shop: product pages, sign-in, and the token endpoint of the Zendesk Messaging widget."""

import os
import time

import jwt
from flask import Flask, jsonify, redirect, render_template, request, session, url_for

from auth import CUSTOMERS, current_customer, login_required

app = Flask(__name__)
app.secret_key = os.environ["SHOP_SESSION_SECRET"]

ZENDESK_KEY_ID = os.environ["ZENDESK_KEY_ID"]
ZENDESK_SECRET = os.environ["ZENDESK_SECRET"]


@app.route("/")
def index():
    return render_template("index.html", customer=current_customer())


@app.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        username = request.form.get("username", "")
        if username in CUSTOMERS:
            session["customer"] = username
            return redirect(request.args.get("next") or url_for("index"))
    return "<form method=post><input name=username><button>Sign in</button></form>"


@app.route("/logout", methods=["POST"])
def logout():
    session.clear()
    return redirect(url_for("index"))


# Zendesk Messaging: end-user authentication (Admin Center > Account > Security), fetched by the
# widget's loginUser callback.
@app.route("/zendesk/jwt")
@login_required
def zendesk_jwt():
    customer = current_customer()
    payload = {
        "external_id": customer.id,
        "name": customer.display_name,
        "email": customer.email,
        "email_verified": customer.email_confirmed,
        "scope": "user",
        "exp": int(time.time()) + 300,
    }
    token = jwt.encode(payload, ZENDESK_SECRET, algorithm="HS256", headers={"kid": ZENDESK_KEY_ID})
    return jsonify(token=token)
