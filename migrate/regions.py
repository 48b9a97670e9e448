"""Genesys Cloud regions (mappings/regions.yaml): one lookup for AWS names, env codes and domains."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from migrate.data import shipped_yaml


@dataclass(frozen=True)
class Region:
    name: str
    aws: str
    env: str | None  # None: no source gives this region's Messenger environment code
    domain: str
    unconfirmed: str | None = None

    @property
    def api_host(self) -> str:
        return f"https://api.{self.domain}"

    @property
    def login_host(self) -> str:
        return f"https://login.{self.domain}"

    @property
    def apps_host(self) -> str:
        return f"https://apps.{self.domain}"


@cache
def regions() -> tuple[Region, ...]:
    return tuple(Region(**r) for r in shipped_yaml("regions.yaml")["regions"])


def find(value: str) -> Region:
    """A region by AWS name (eu-west-1), Messenger env (prod-euw1), domain (mypurecloud.ie) or a
    host on it (api.mypurecloud.ie, https://apps.mypurecloud.ie).  Raises KeyError with the choices."""
    key = value.strip().lower().removeprefix("https://").removeprefix("http://").rstrip("/")
    for prefix in ("api.", "login.", "apps."):
        key = key.removeprefix(prefix)
    for r in regions():
        if key in (r.aws, r.env, r.domain) and key:
            return r
    choices = ", ".join(r.aws for r in regions())
    raise KeyError(f"unknown region {value!r}; use an AWS name ({choices}), a Messenger env code "
                   "(prod-euw1) or a domain (mypurecloud.ie)")
