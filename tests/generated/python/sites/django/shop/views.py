"""Shop pages, and the token the Zendesk Messaging widget signs customers in with."""

import time

import jwt
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


def index(request):
    return render(request, "shop/index.html")


# Zendesk Messaging: end-user JWT, fetched by the widget's loginUser callback.
@login_required
@require_GET
def zendesk_jwt(request):
    user = request.user
    payload = {
        "external_id": user.pk,
        "name": user.get_full_name() or user.username,
        "email": user.email,
        "email_verified": True,
        "scope": "user",
        "exp": int(time.time()) + 300,
    }
    token = jwt.encode(payload, settings.ZENDESK_SECRET, algorithm="HS256",
                       headers={"kid": settings.ZENDESK_KEY_ID})
    return JsonResponse({"token": token})
