"""Stage 2: the plan. What each Zendesk piece of the inventory becomes, and which rule says so."""

from __future__ import annotations

from dataclasses import dataclass

from migrate import lang
from migrate.generate.config import Config
from migrate.generate.mapping import CLAIM_NAME, Profile
from migrate.inventory import Inventory, SignerView
from migrate.model import Expr, Loader, Signer, WidgetCall
from migrate.widgetapi import lookup

_AUTH_CALLS = {("messenger", "loginUser"), ("$zopim", "livechat.authenticate"),
               ("zESettings", "webWidget.authenticate.jwtFn"), ("zESettings", "webWidget.authenticate.chat.jwtFn")}


@dataclass(frozen=True)
class Todo:
    rule: str  # the catalog ID the TODO(migrate:ZGxxx) names
    text: str


@dataclass(frozen=True)
class ClaimMapping:
    target: str  # the ID-token claim
    source: str  # the Zendesk claim
    expression: Expr  # the old code's expression, as written
    transform: str | None
    origin: str  # the mapping rule, e.g. zendesk-messaging.yaml:10


@dataclass(frozen=True)
class Dropped:
    name: str
    reason: str
    origin: str


@dataclass(frozen=True)
class BackendPlan:
    view: SignerView
    framework: str | None  # one of backends.FRAMEWORKS, or None when none is recognised
    claims: tuple[ClaimMapping, ...]
    dropped: tuple[Dropped, ...]
    todos: tuple[Todo, ...]

    @property
    def signer(self) -> Signer:
        return self.view.signer


@dataclass(frozen=True)
class CallPlan:
    path: str
    call: WidgetCall
    action: str  # authprovider | replace | todo | ready
    genesys: str | None  # the replacement call, for replace / ready
    reason: str  # why (the table's todo text or note)
    origin: str = "widget-api.yaml"


@dataclass(frozen=True)
class Plan:
    config: Config
    inventory: Inventory
    backends: tuple[BackendPlan, ...]
    loaders: tuple[tuple[str, Loader], ...]
    calls: tuple[CallPlan, ...]

    @property
    def empty(self) -> bool:
        return not (self.backends or self.loaders or self.calls)


def _framework(v: SignerView, text: str) -> str | None:
    record = lang.of(v.signer.language)
    return record.recognise(text) if record is not None else None


def map_claims(signer: Signer, profile: Profile) -> tuple[tuple[ClaimMapping, ...], tuple[Dropped, ...], tuple[Todo, ...]]:
    mapped: dict[str, ClaimMapping] = {}
    dropped: list[Dropped] = []
    todos: list[Todo] = []
    # In rule order, so a rule listed first wins a target (external_id before email for sub).
    order = {r.source: i for i, r in enumerate(profile.claims)}
    for name, expr in sorted(signer.claims.items(), key=lambda kv: order.get(kv[0], len(order))):
        if name == "...":
            todos.append(Todo("ZG228", f"the payload spreads `{expr.text}`: map the claims it holds by hand"))
            continue
        rule = profile.claim(name)
        if rule is None and not CLAIM_NAME.fullmatch(name):
            # Kept claims are written into code by name: one that is not a plain name is not carried.
            todos.append(Todo("ZG228", f"claim {name[:40]!r} is not a plain claim name; map it by hand"))
        elif rule is None:
            mapped.setdefault(name, ClaimMapping(name, name, expr, None, "kept: no rule"))
            todos.append(Todo("ZG227", f"claim {name!r} has no Genesys use (Messenger reads sub, name, email); "
                                       "kept in the ID token"))
        elif rule.drop:
            dropped.append(Dropped(name, rule.drop, rule.origin))
        else:
            for target in rule.targets:
                mapped.setdefault(target, ClaimMapping(target, name, expr, rule.transform, rule.origin))
    for name, expr in signer.managed.items():
        rule = profile.claim(name)
        dropped.append(Dropped(f"{name} ({expr.text})", rule.drop if rule and rule.drop
                               else "the provider sets its own times", rule.origin if rule else "provider"))
    for name in signer.header:
        rule = profile.header_rule(name)
        dropped.append(Dropped(f"header {name}", rule.drop if rule and rule.drop else "the provider sets its own header",
                               rule.origin if rule else "provider"))
    if "sub" not in mapped:
        todos.append(Todo("ZG207", "no claim maps to sub: the ID token needs a stable user id as sub"))
    return tuple(mapped.values()), tuple(dropped), tuple(todos)


def plan_calls(inv: Inventory) -> list[CallPlan]:
    out = []
    for w in inv.widgets:
        for c in w.calls:
            if c.api.split(":")[0] not in ("messenger", "webWidget", "zE", "zESettings", "$zopim"):
                continue
            if (c.api, c.command) in _AUTH_CALLS:
                out.append(CallPlan(w.path, c, "authprovider", None, "replaced by the AuthProvider plugin"))
                continue
            entry = lookup(c.api, c.command)
            if entry is None or not entry.genesys:
                reason = entry.todo if entry and entry.todo else "not in the widget-API table"
                out.append(CallPlan(w.path, c, "todo", None, reason or ""))
            elif c.command == "ready":
                out.append(CallPlan(w.path, c, "ready", entry.genesys, entry.note or ""))
            elif "..." in entry.genesys or "AuthProvider" in entry.genesys:
                out.append(CallPlan(w.path, c, "todo", None,
                                    f"use {entry.genesys} with the values of the original call"))
            else:
                out.append(CallPlan(w.path, c, "replace", entry.genesys, entry.note or ""))
    return out


def make_plan(config: Config, inv: Inventory, profiles: dict[str, Profile], texts: dict[str, str]) -> Plan:
    backends = []
    for v in inv.signers:
        if v.purpose != "zendesk" or v.signer.browser:
            continue
        profile = profiles[v.profile or "zendesk-messaging"]
        claims, dropped, todos = map_claims(v.signer, profile)
        backends.append(BackendPlan(v, _framework(v, texts.get(v.signer.path, "")), claims, dropped, todos))
    loaders = tuple((f.path, ld) for f in inv.files for ld in f.loaders
                    if ld.kind in ("snippet", "zembed", "zopim"))
    return Plan(config, inv, tuple(backends), loaders, tuple(plan_calls(inv)))
