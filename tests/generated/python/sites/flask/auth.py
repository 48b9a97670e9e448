"""Who is signed in: the customer's username lives in Flask's signed session cookie."""

from dataclasses import dataclass
from functools import wraps

from flask import redirect, request, session, url_for


@dataclass(frozen=True)
class Customer:
    id: int
    display_name: str
    email: str
    email_confirmed: bool


CUSTOMERS = {
    "alice": Customer(42, "Alice Example", "alice@example.com", True),
    "bob": Customer(7, "Bob Example", "bob@example.com", False),
}


def current_customer():
    return CUSTOMERS.get(session.get("customer"))


def login_required(view):
    @wraps(view)
    def guarded(*args, **kwargs):
        if current_customer() is None:
            return redirect(url_for("login", next=request.full_path))
        return view(*args, **kwargs)

    return guarded
