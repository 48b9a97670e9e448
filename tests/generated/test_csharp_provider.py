"""The ASP.NET Core provider (templates/csharp/GenesysOidcProvider.cs.j2).

No .NET SDK runs here, so the rendered C# is parsed with tree-sitter, compared with its golden
file, and checked against the provider contract of templates/README.md by reading the syntax
tree: every check follows the code that an endpoint actually reaches (its handler, the methods
it calls, the locals and constants it reads), so a rule implemented in dead code does not count.
The mutation tests at the end break the rendered code one rule at a time and require the
matching check to notice: a check that cannot fail would be worth nothing.

Regenerate the golden file after an intended change with `UPDATE_GOLDEN=1 make test`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import cached_property, lru_cache
from pathlib import Path

import pytest
import tree_sitter as ts
from template_checks import contract_tests

from migrate.extract.treesitter import Doc, ancestors, string_value, walk
from migrate.generate.render import render

TEMPLATE = "csharp/GenesysOidcProvider.cs.j2"
GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "csharp" / "GenesysOidcProvider.cs"
ISSUER_PATH = "/oidc"

ENV_NAMES = {
    "GENESYS_OIDC_ISSUER", "GENESYS_OIDC_CLIENT_ID", "GENESYS_OIDC_CLIENT_SECRET",
    "GENESYS_OIDC_PRIVATE_KEY_FILE", "GENESYS_OIDC_REDIRECT_URIS",
}
OPTIONAL_ENV_NAMES = {"GENESYS_OIDC_STORE_URL", "GENESYS_OIDC_REFRESH_TTL", "GENESYS_OIDC_NEXT_PRIVATE_KEY_FILE"}
ROUTES = {
    ("MapGet", "/.well-known/openid-configuration"),
    ("MapGet", "/jwks.json"),
    ("MapGet", "/authorize"),
    ("MapPost", "/token"),
    ("MapGet", "/userinfo"),
}
MAP_SIGNATURE = (
    "public static IEndpointRouteBuilder MapGenesysOidc(this IEndpointRouteBuilder app, string issuerPath, "
    "Func<HttpContext, IDictionary<string, object>?> claims, string? authorizationPolicy = null, "
    "Func<DateTimeOffset>? now = null)"
)
ADD_SIGNATURE = "public static IServiceCollection AddGenesysOidc(this IServiceCollection services)"
DISCOVERY_KEYS = {
    "issuer", "authorization_endpoint", "token_endpoint", "jwks_uri", "userinfo_endpoint",
    "response_types_supported", "grant_types_supported", "subject_types_supported",
    "id_token_signing_alg_values_supported", "code_challenge_methods_supported",
    "token_endpoint_auth_methods_supported", "scopes_supported", "claims_supported", "prompt_values_supported",
}
DISCOVERY_VALUES = {
    "response_types_supported": {"code"},
    "grant_types_supported": {"authorization_code", "refresh_token"},
    "subject_types_supported": {"public"},
    "id_token_signing_alg_values_supported": {"RS256"},
    "code_challenge_methods_supported": {"S256"},
    "token_endpoint_auth_methods_supported": {"client_secret_basic", "client_secret_post"},
    "scopes_supported": {"openid", "profile", "email", "offline_access"},
    "prompt_values_supported": {"none", "login"},
}


@pytest.fixture(scope="module")
def rendered() -> str:
    return render(TEMPLATE, issuer_path=ISSUER_PATH)


# --- reading the tree -----------------------------------------------------------------------------

def _squash(text: str) -> str:
    text = re.sub(r"\s+", " ", text)
    return text.replace("( ", "(").replace(" )", ")")


class CSharp:
    """The rendered file, with what the checks need: declarations, and the code a node reaches."""

    def __init__(self, source: str):
        self.source = source
        self.doc = Doc.parse("csharp", source.encode())
        self._reached: dict[tuple[tuple[int, int], ...], list[ts.Node]] = {}

    def text(self, node: ts.Node | None) -> str:
        return self.doc.text(node)

    def nodes(self, kind: str, within: Iterable[ts.Node] | None = None) -> list[ts.Node]:
        roots = [self.doc.root] if within is None else within
        seen: dict[tuple[int, int], ts.Node] = {}
        end = -1
        # Outermost first; a node inside one already walked adds nothing.
        for root in sorted(roots, key=lambda n: (n.start_byte, -n.end_byte)):
            if root.end_byte <= end:
                continue
            end = root.end_byte
            for n in walk(root):
                if n.type == kind:
                    seen.setdefault((n.start_byte, n.end_byte), n)
        return list(seen.values())

    @cached_property
    def methods(self) -> dict[str, list[ts.Node]]:
        found: dict[str, list[ts.Node]] = {}
        for kind in ("method_declaration", "constructor_declaration"):
            for n in self.nodes(kind):
                found.setdefault(self.text(n.child_by_field_name("name")), []).append(n)
        return found

    @cached_property
    def fields(self) -> dict[str, ts.Node]:
        """Field and constant declarators by name."""
        return {self.text(d.child_by_field_name("name")): d
                for f in self.nodes("field_declaration") for d in self.nodes("variable_declarator", [f])}

    @cached_property
    def property_assignments(self) -> dict[str, list[ts.Node]]:
        """Property name -> the assignments to it (``KeyId = keyId;`` in a constructor)."""
        names = {self.text(p.child_by_field_name("name")) for p in self.nodes("property_declaration")}
        found: dict[str, list[ts.Node]] = {}
        for a in self.nodes("assignment_expression"):
            left = a.child_by_field_name("left")
            if left is not None and left.type == "identifier" and self.text(left) in names \
                    and a.parent is not None and a.parent.type == "expression_statement":
                found.setdefault(self.text(left), []).append(a)
        return found

    def method(self, name: str) -> ts.Node:
        found = self.methods.get(name, [])
        assert len(found) == 1, f"one method {name} expected, found {len(found)}"
        return found[0]

    def callee(self, call: ts.Node) -> str:
        fn = call.child_by_field_name("function")
        if fn is not None and fn.type == "member_access_expression":
            fn = fn.child_by_field_name("name")
        if fn is not None and fn.type == "generic_name":
            fn = fn.named_children[0]
        return self.text(fn)

    def receiver(self, call: ts.Node) -> str:
        fn = call.child_by_field_name("function")
        return self.text(fn.child_by_field_name("expression")) if fn is not None and \
            fn.type == "member_access_expression" else ""

    def args(self, call: ts.Node) -> list[ts.Node]:
        arglist = call.child_by_field_name("arguments")
        if arglist is None:
            return []
        return [a.named_children[-1] for a in arglist.named_children if a.type == "argument" and a.named_children]

    @cached_property
    def _locals(self) -> dict[tuple[int, int], dict[str, ts.Node]]:
        """(method span) -> local name -> its declarator."""
        out: dict[tuple[int, int], dict[str, ts.Node]] = {}
        for scopes in self.methods.values():
            for m in scopes:
                names = out.setdefault((m.start_byte, m.end_byte), {})
                for d in self.nodes("variable_declarator", [m]):
                    names.setdefault(self.text(d.child_by_field_name("name")), d)
        return out

    def local(self, ident: ts.Node) -> ts.Node | None:
        """The declarator of the local an identifier reads (lambdas capture their method's locals)."""
        for scope in ancestors(ident):
            if scope.type in ("method_declaration", "constructor_declaration"):
                d = self._locals.get((scope.start_byte, scope.end_byte), {}).get(self.text(ident))
                return None if d is None or d.child_by_field_name("name") == ident else d
        return None

    def reach(self, *starts: ts.Node) -> list[ts.Node]:
        """The start nodes plus everything they reach: called methods and constructors of this file,
        the declarators of the locals they read, the fields and constants they name, and the
        assignments to the properties they read."""
        key = tuple((n.start_byte, n.end_byte) for n in starts)
        if key not in self._reached:
            self._reached[key] = self._reach(starts)
        return self._reached[key]

    def _reach(self, starts: tuple[ts.Node, ...]) -> list[ts.Node]:
        out: list[ts.Node] = []
        seen: set[tuple[int, int]] = set()
        stack = list(starts)
        while stack:
            node = stack.pop()
            key = (node.start_byte, node.end_byte)
            if key in seen:
                continue
            seen.add(key)
            out.append(node)
            for n in walk(node):
                if n.type == "invocation_expression":
                    stack.extend(self.methods.get(self.callee(n), []))
                elif n.type == "object_creation_expression":
                    t = self.text(n.child_by_field_name("type"))
                    stack.extend(m for m in self.methods.get(t, []) if m.type == "constructor_declaration")
                elif n.type == "identifier":
                    parent = n.parent
                    if parent is not None and parent.type == "member_access_expression" and \
                            parent.child_by_field_name("name") == n:
                        name = self.text(n)
                        if name in self.fields and self.text(parent.child_by_field_name("expression")) in (
                                "GenesysOidc", "this"):
                            stack.append(self.fields[name])
                        stack.extend(self.property_assignments.get(name, []))
                        continue
                    d = self.local(n)
                    if d is not None:
                        stack.append(d)
                    elif self.text(n) in self.property_assignments:
                        stack.extend(self.property_assignments[self.text(n)])
                    elif self.text(n) in self.fields:
                        stack.append(self.fields[self.text(n)])
                    elif self.text(n) in self.methods:  # a method group passed as a delegate
                        stack.extend(self.methods[self.text(n)])
        return out

    # what a set of reached nodes contains

    def strings(self, within: Iterable[ts.Node]) -> set[str]:
        return {v for n in self.nodes("string_literal", within) if (v := string_value(self.doc, n)) is not None}

    def calls(self, within: Iterable[ts.Node], name: str) -> list[ts.Node]:
        return [c for c in self.nodes("invocation_expression", within) if self.callee(c) == name]

    def element_keys(self, initializer: ts.Node) -> dict[str, ts.Node]:
        """``{ ["key"] = value, ... }`` -> key -> value node."""
        out = {}
        for a in initializer.named_children:
            left = a.child_by_field_name("left") if a.type == "assignment_expression" else None
            if left is not None and left.type == "element_binding_expression":
                lits = self.nodes("string_literal", [left])
                if lits:
                    out[string_value(self.doc, lits[0]) or ""] = a.child_by_field_name("right")
        return out

    def initializer_with(self, within: Iterable[ts.Node], key: str) -> dict[str, ts.Node]:
        for init in self.nodes("initializer_expression", within):
            keys = self.element_keys(init)
            if key in keys:
                return keys
        return {}

    def ifs(self, within: Iterable[ts.Node]) -> list[tuple[ts.Node, ts.Node]]:
        return [(i.child_by_field_name("condition"), i.child_by_field_name("consequence"))
                for i in self.nodes("if_statement", within)]

    def disjuncts(self, cond: ts.Node) -> list[tuple[str, ts.Node]]:
        """``a || (b || c)`` -> [a, b, c] as (text, node); anything else is one disjunct.

        tree-sitter-c-sharp nests ``x is null || y`` as ``x is (null || y)``: that is taken
        apart here as C# reads it, ``(x is null) || y``, the first part standing for ``x``.
        """
        if cond.type == "parenthesized_expression" and cond.named_children:
            return self.disjuncts(cond.named_children[0])
        if cond.type == "binary_expression" and self.text(cond.child_by_field_name("operator")) == "||":
            return self.disjuncts(cond.child_by_field_name("left")) + self.disjuncts(cond.child_by_field_name("right"))
        if cond.type == "is_pattern_expression":
            pattern = cond.child_by_field_name("pattern")
            inner = pattern.named_children[0] if pattern is not None and pattern.type == "constant_pattern" \
                and pattern.named_children else None
            if inner is not None and inner.type == "binary_expression" \
                    and self.text(inner.child_by_field_name("operator")) == "||":
                subject = cond.child_by_field_name("expression")
                first = f"{self.text(subject)} is {self.text(inner.child_by_field_name('left'))}"
                return [(first, subject)] + self.disjuncts(inner.child_by_field_name("right"))
        return [(self.text(cond), cond)]

    def status_401(self, call: ts.Node) -> bool:
        return any(self.text(a) in ("StatusCodes.Status401Unauthorized", "401") for a in self.args(call))

    # the endpoints

    @cached_property
    def map_method(self) -> ts.Node:
        return self.method("MapGenesysOidc")

    @cached_property
    def routes(self) -> dict[tuple[str, str], ts.Node]:
        """(MapGet|MapPost, path after the issuer prefix) -> the route's invocation."""
        out = {}
        for call in self.nodes("invocation_expression", [self.map_method]):
            verb = self.callee(call)
            if not re.fullmatch(r"Map(Get|Post|Put|Delete|Patch|Methods)?", verb):
                continue
            args = self.args(call)
            if args and args[0].type == "binary_expression":
                right = args[0].child_by_field_name("right")
                path = string_value(self.doc, right) if right is not None and right.type == "string_literal" else None
                if path is not None:
                    out[(verb, path)] = call
        return out

    def endpoint(self, verb: str, path: str) -> list[ts.Node]:
        """Everything the route's handler reaches."""
        call = self.routes.get((verb, path))
        assert call is not None, f"no {verb} {path} route"
        return self.reach(*self.args(call)[1:])

    def reaches(self, node: ts.Node | None, target: ts.Node) -> bool:
        """Whether ``target`` is inside what ``node`` reaches."""
        return node is not None and any(r.start_byte <= target.start_byte and target.end_byte <= r.end_byte
                                        for r in self.reach(node))

    def derives_from(self, node: ts.Node, parameter: str) -> bool:
        return any(self.text(n) == parameter for n in self.nodes("identifier", self.reach(node)))


def _lifetime_seconds(src: CSharp, field: str) -> int | None:
    d = src.fields.get(field)
    m = re.fullmatch(r"TimeSpan\.From(Seconds|Minutes)\((\d+)\)", _squash(src.text(d.named_children[-1]))) if d else None
    if m is None:
        return None
    return int(m.group(2)) * (60 if m.group(1) == "Minutes" else 1)


def _int_constant(src: CSharp, name: str) -> int | None:
    d = src.fields.get(name)
    value = d.named_children[-1] if d is not None else None
    return int(src.text(value)) if value is not None and value.type == "integer_literal" else None


# --- the contract, one check per rule -------------------------------------------------------------

def check_public_api(src: CSharp) -> list[str]:
    problems = []
    namespaces = src.nodes("namespace_declaration") + src.nodes("file_scoped_namespace_declaration")
    if [src.text(n.child_by_field_name("name")) for n in namespaces] != ["GenesysOidc"]:
        problems.append("the file must declare the one namespace GenesysOidc")
    top = [c for n in namespaces for c in (n.child_by_field_name("body") or n).named_children
           if c.type.endswith("_declaration")]
    if len(top) != 1 or top[0].type != "class_declaration" or src.text(top[0].child_by_field_name("name")) \
            != "GenesysOidc" or {"public", "static"} - {src.text(m) for m in top[0].children if m.type == "modifier"}:
        problems.append("the namespace must hold one public static class GenesysOidc")
    for name, expected in (("MapGenesysOidc", MAP_SIGNATURE), ("AddGenesysOidc", ADD_SIGNATURE)):
        found = src.methods.get(name, [])
        if len(found) != 1:
            problems.append(f"{name}: one declaration expected, found {len(found)}")
            continue
        m = found[0]
        head = src.source.encode()[m.start_byte:m.child_by_field_name("body").start_byte].decode()
        if _squash(head).strip() != expected:
            problems.append(f"{name}: signature is {_squash(head).strip()!r}")
        if m.parent is None or m.parent.parent is None or m.parent.parent != (top[0] if top else None):
            problems.append(f"{name} must be a member of the GenesysOidc class itself")
    return problems


def check_routes(src: CSharp) -> list[str]:
    problems = []
    found = set(src.routes)
    if found != ROUTES:
        problems.append(f"routes {sorted(found)} differ from {sorted(ROUTES)}")
    for (verb, path), call in src.routes.items():
        if src.receiver(call) != "app":
            problems.append(f"{verb} {path} is not mapped on the app passed in")
        prefix = src.args(call)[0].child_by_field_name("left")
        if prefix is None or not src.derives_from(prefix, "issuerPath"):
            problems.append(f"{verb} {path} is not under issuerPath")
        if len(src.args(call)) < 2:
            problems.append(f"{verb} {path} has no handler")
    return problems


def check_login_guard(src: CSharp) -> list[str]:
    call = src.routes.get(("MapGet", "/authorize"))
    decl = call.parent if call is not None else None
    if decl is None or decl.type != "variable_declarator":
        return ["the authorize route is not kept in a variable to put the login guard on"]
    variable = src.text(decl.child_by_field_name("name"))
    guards = [c for c in src.calls([src.map_method], "RequireAuthorization") if src.receiver(c) == variable]
    arguments = sorted(",".join(src.text(a) for a in src.args(c)) for c in guards)
    problems = []
    if arguments != ["", "authorizationPolicy"]:
        problems.append(f"authorize must get RequireAuthorization() and RequireAuthorization(authorizationPolicy), "
                        f"found {arguments}")
    for c in guards:
        conditions = [src.text(a.child_by_field_name("condition")) for a in ancestors(c) if a.type == "if_statement"]
        if not any("authorizationPolicy" in cond for cond in conditions):
            problems.append("RequireAuthorization must depend on authorizationPolicy")
    return problems


def check_discovery(src: CSharp) -> list[str]:
    reached = src.endpoint("MapGet", "/.well-known/openid-configuration")
    doc = src.initializer_with(reached, "issuer")
    problems = []
    if set(doc) != DISCOVERY_KEYS:
        problems.append(f"discovery keys: missing {sorted(DISCOVERY_KEYS - set(doc))}, "
                        f"unexpected {sorted(set(doc) - DISCOVERY_KEYS)}")
    for key, expected in DISCOVERY_VALUES.items():
        if key in doc and src.strings([doc[key]]) != expected:
            problems.append(f"discovery {key} is {sorted(src.strings([doc[key]]))}, expected {sorted(expected)}")
    for key, path in (("authorization_endpoint", "/authorize"), ("token_endpoint", "/token"),
                      ("jwks_uri", "/jwks.json"), ("userinfo_endpoint", "/userinfo")):
        if key in doc and src.strings([doc[key]]) != {path}:
            problems.append(f"discovery {key} must end with {path}")
    return problems


def check_jwks_and_kid(src: CSharp) -> list[str]:
    problems = []
    reached = src.endpoint("MapGet", "/jwks.json")
    jwk = src.initializer_with(reached, "kty")
    if not jwk:
        problems.append("jwks.json does not serve a JWK")
    if set(jwk) != {"kty", "n", "e", "alg", "use", "kid"}:
        problems.append(f"the JWK has {sorted(jwk)}, expected kty, n, e, alg, use, kid")
    for key, value in (("kty", "RSA"), ("alg", "RS256"), ("use", "sig")):
        if key in jwk and src.strings([jwk[key]]) != {value}:
            problems.append(f"JWK {key} must be {value}")
    ctor = next((m for m in src.methods.get("SigningKey", []) if m.type == "constructor_declaration"), None)
    if ctor is None:
        return problems + ["no SigningKey constructor"]
    reached = src.reach(ctor)
    thumbprints = src.calls(reached, "ComputeJwkThumbprint")
    converts = src.calls(reached, "ConvertFromRSASecurityKey")
    if not thumbprints or not converts:
        problems.append("kid must be the RFC 7638 thumbprint of a JWK converted from the key")
    for c in converts:
        if not any(src.text(e) == "rsa.ExportParameters(false)"
                   for e in src.calls(src.reach(*src.args(c)), "ExportParameters")):
            problems.append("the JWK must be converted from the public parameters only")
    encode = [c for c in src.calls(reached, "Encode") if src.receiver(c) == "Base64UrlEncoder"
              and src.calls([c], "ComputeJwkThumbprint")]
    if not encode or not src.reaches(jwk.get("kid"), encode[0]):
        problems.append("JWK kid must be Base64UrlEncoder.Encode(jwk.ComputeJwkThumbprint())")
    signing = [n for n in src.nodes("object_creation_expression", reached)
               if src.text(n.child_by_field_name("type")) == "SigningCredentials"]
    if len(signing) != 1:
        problems.append("one SigningCredentials expected")
    else:
        args = src.args(signing[0])
        key = args[0] if args else None
        if len(args) != 2 or src.text(args[1]) != "SecurityAlgorithms.RsaSha256":
            problems.append("the signing credentials must use SecurityAlgorithms.RsaSha256")
        key_ids = [a.child_by_field_name("right") for a in src.nodes("assignment_expression", [key] if key else [])
                   if src.text(a.child_by_field_name("left")) == "KeyId"]
        if not encode or not any(src.reaches(k, encode[0]) for k in key_ids):
            problems.append("the signing key's KeyId (the JWT header kid) must be the published thumbprint")
    others = {src.text(n) for n in src.nodes("member_access_expression")
              if src.text(n).startswith("SecurityAlgorithms.")} - {"SecurityAlgorithms.RsaSha256"}
    if others:
        problems.append(f"other signing algorithms in use: {sorted(others)}")
    return problems


def check_settings(src: CSharp) -> list[str]:
    problems = []
    reached = src.reach(src.method("AddGenesysOidc"))
    names = {s for s in src.strings(None) if s.startswith("GENESYS_OIDC_")}
    if names != ENV_NAMES | OPTIONAL_ENV_NAMES:
        problems.append(f"settings named {sorted(names)}, expected {sorted(ENV_NAMES | OPTIONAL_ENV_NAMES)}")
    if not ENV_NAMES | OPTIONAL_ENV_NAMES <= src.strings(reached):
        problems.append(f"AddGenesysOidc does not read "
                        f"{sorted(ENV_NAMES | OPTIONAL_ENV_NAMES - src.strings(reached))}")
    text = " ".join(src.text(n) for n in reached)
    if "Environment.GetEnvironmentVariable" not in text:
        problems.append("settings must come from the environment")
    messages = [c for c in src.nodes("invocation_expression", reached)
                if any(s.startswith("missing") for s in src.strings([c]))]
    if not messages:
        problems.append("no start-up message naming the missing settings")
    for c in messages:
        if not ENV_NAMES <= src.strings(src.reach(c)):
            problems.append(f"the missing-settings message does not cover "
                            f"{sorted(ENV_NAMES - src.strings(src.reach(c)))}")
    throws = [n for cond, body in src.ifs(reached) if "problems.Count" in src.text(cond)
              for n in src.nodes("throw_statement", [body]) if "InvalidOperationException" in src.text(n)]
    if not throws:
        problems.append("missing or invalid settings do not stop start-up")
    registered = [src.text(a) for c in src.calls(reached, "AddSingleton") for a in src.args(c)]
    if len(registered) != 3 or not any("new CodeStore(" in r for r in registered):
        problems.append(f"AddGenesysOidc must register the settings, the signing key and the code store, "
                        f"found {registered}")
    localhost = [cond for cond, _ in src.ifs([src.method("IssuerProblem")]) if "Uri.UriSchemeHttp" in src.text(cond)
                 and {"localhost", "127.0.0.1"} <= src.strings(src.reach(cond))]
    if not localhost or "Uri.UriSchemeHttps" not in text:
        problems.append("http issuers must be limited to localhost and 127.0.0.1")
    redirects = [body for cond, body in src.ifs(reached) if "Uri.UriSchemeHttps" in src.text(cond)
                 and "Uri.UriSchemeHttp " in src.text(cond) + " "
                 and {"localhost", "127.0.0.1"} <= src.strings(src.reach(cond))
                 and any("RedirectUrisVariable" in src.text(c) for c in src.calls([body], "Add"))]
    if not redirects:
        problems.append("http redirect URIs must be limited to loopback hosts")
    ttl = [cond for cond, body in src.ifs(reached) if "MinimumRefreshLifetime" in src.text(cond)
           and "MaximumRefreshLifetime" in src.text(cond) and src.calls([body], "Add")]
    if not ttl:
        problems.append("GENESYS_OIDC_REFRESH_TTL must be checked against the range Genesys accepts")
    minimum = _int_constant(src, "MinimumKeySize")
    size_checks = [cond for cond, _ in src.ifs(reached) if re.fullmatch(
        r"\w+\.KeySize < (MinimumKeySize|\d+)", _squash(src.text(cond)))]
    if not size_checks:
        problems.append("no key size check")
    for cond in size_checks:
        bound = src.text(cond.child_by_field_name("right"))
        value = minimum if bound == "MinimumKeySize" else int(bound)
        if value is None or value < 2048:
            problems.append(f"keys below 2048 bits are accepted (minimum {value})")
    return problems


def check_authorize(src: CSharp) -> list[str]:
    problems = []
    reached = src.endpoint("MapGet", "/authorize")
    authorize = next((n for n in reached if n.type == "method_declaration" and "IssueCodeAsync" in src.text(n)), None)
    if authorize is None:
        return ["the authorize route issues no code"]
    redirects = [c for c in src.nodes("invocation_expression", [authorize])
                 if src.callee(c) in ("Redirect", "Refuse")]
    registered = [(cond, body) for cond, body in src.ifs([authorize])
                  if re.search(r"RedirectUris\.Contains\(\w+, StringComparer\.Ordinal\)", _squash(src.text(cond)))]
    if not registered:
        problems.append("authorize must compare redirect_uri exactly (ordinal) with the registered ones")
    for cond, body in registered:
        if any(src.callee(c) in ("Redirect", "Refuse") for c in src.nodes("invocation_expression", [body])):
            problems.append("an unregistered redirect_uri must not be redirected to")
        if not src.calls([body], "Error"):
            problems.append("an unregistered redirect_uri must get a JSON error")
        if any(r.start_byte < cond.start_byte for r in redirects):
            problems.append("authorize redirects before checking the redirect_uri")
    pkce = [(cond, body) for cond, body in src.ifs([authorize])
            if "code_challenge_method" in src.text(cond) and '!= "S256"' in src.text(cond)]
    if not pkce:
        problems.append("authorize must require code_challenge_method=S256")
    elif not any(src.calls([cond], "IsS256Challenge") for cond, _ in pkce) \
            or "value.Length == 43" not in src.text(src.methods.get("IsS256Challenge", [None])[0]):
        problems.append("code_challenge must be 43 base64url characters (RFC 7636 S256)")
    login = [(cond, body) for cond, body in src.ifs([authorize]) if "login_required" in src.strings([body])]
    if not login:
        problems.append("no login_required refusal")
    nobody = []
    for cond, body in login:
        # Refused when there are no claims OR no subject: one of the two is not enough.
        parts = src.disjuncts(cond)
        no_user = [n for text, n in parts if re.fullmatch(r"\w+ (is|==) null", _squash(text))
                   and src.calls(src.reach(n), "claims")]
        no_subject = [n for _, n in parts if n.type == "invocation_expression"
                      and src.callee(n) in ("IsNullOrEmpty", "IsNullOrWhiteSpace")
                      and "sub" in src.strings(src.reach(n))]
        if no_user and no_subject:
            nobody.append(cond)
        if not any(src.status_401(c) for c in src.nodes("invocation_expression", [body])):
            problems.append("login_required must answer 401 to a JSON request")
    if not nobody:
        problems.append("login_required must answer both no claims and an empty sub")
    issue = src.calls([authorize], "IssueCodeAsync")
    guards = [c for c, _ in registered + pkce + login]
    if not issue or any(g.start_byte > issue[0].start_byte for g in guards):
        problems.append("the code must be issued after the client, redirect URI, PKCE and login checks")
    if issue:
        grant = src.nodes("object_creation_expression", [issue[0]])
        bound = " ".join(src.text(a) for g in grant for a in src.args(g))
        for part in ("clientId", "redirectUri", "challenge", "nonce", "+ CodeLifetime"):
            if part not in bound:
                problems.append(f"the code is not bound to {part.strip('+ ')}")
        if not any(src.calls(src.reach(a), "claims") for g in grant for a in src.args(g)
                   if src.calls([a], "UserClaims")):
            problems.append("the code is not bound to the user's claims")
    if not src.calls(src.reach(authorize), "clock"):
        problems.append("authorize must use the injected clock")
    if "application/json" not in src.strings(src.reach(authorize)):
        problems.append("authorize has no JSON answer for the AuthProvider plugin")
    return problems


def _token(src: CSharp) -> tuple[list[ts.Node], ts.Node | None]:
    reached = src.endpoint("MapPost", "/token")
    method = next((n for n in reached if n.type == "method_declaration" and "TakeCodeAsync" in src.text(n)), None)
    return reached, method


def check_client_authentication(src: CSharp) -> list[str]:
    problems = []
    reached, _ = _token(src)
    secret_calls = [c for c in src.nodes("invocation_expression", reached)
                    if any(src.text(a).endswith(".ClientSecret") for a in src.args(c))]
    if not secret_calls:
        problems.append("the token endpoint never checks the client secret")
    for c in secret_calls:
        compared = src.methods.get(src.callee(c), [])
        if not any(src.calls(src.reach(m), "FixedTimeEquals") for m in compared):
            problems.append(f"{src.callee(c)}(..ClientSecret) is not a constant-time comparison")
    for n in src.nodes("binary_expression"):
        if src.text(n.child_by_field_name("operator")) in ("==", "!=") and "ClientSecret" in src.text(n):
            problems.append(f"the client secret is compared with {src.text(n.child_by_field_name('operator'))}")
    for c in src.nodes("invocation_expression"):
        if src.callee(c) in ("Equals", "SequenceEqual", "CompareOrdinal", "Compare") and "ClientSecret" in src.text(c):
            problems.append(f"the client secret is compared with {src.callee(c)}")
    post = [n for n in src.nodes("element_access_expression", reached) if src.strings([n]) == {"client_secret"}]
    if not post:
        problems.append("client_secret_post: the token endpoint does not read client_secret from the form")
    basic = [c for c in src.calls(reached, "StartsWith") if "Basic " in src.strings([c])]
    if not basic or not src.calls(reached, "FromBase64String"):
        problems.append("client_secret_basic: the token endpoint does not read a Basic Authorization header")
    invalid = [c for c in src.nodes("invocation_expression", reached) if "invalid_client" in src.strings([c])
               and src.callee(c) == "Error"]
    if not invalid or not all(src.status_401(c) for c in invalid):
        problems.append("a failed client authentication must answer 401 invalid_client")
    if "WWW-Authenticate" not in src.strings(reached):
        problems.append("invalid_client for basic must carry WWW-Authenticate")
    return problems


def check_code_redemption(src: CSharp) -> list[str]:
    problems = []
    reached, token = _token(src)
    if token is None:
        return ["the token route redeems no code"]
    take = src.methods.get("TakeCodeAsync", [])
    if not take or not [c for c in src.calls(take, "TakeAsync") if "code:" in src.strings([c])]:
        problems.append("TakeCodeAsync must take the code from the store (single use, a replay stays dead)")
    problems += _atomic_takes(src)
    conditions = {
        "an unknown, expired or used code": lambda cond: re.search(
            r"\bnow >=? (DateTimeOffset\.FromUnixTimeSeconds\()?\w+\.ExpiresAt", src.text(cond)),
        "a redirect_uri mismatch": lambda cond: "RedirectUri" in src.text(cond),
        "a wrong code_verifier": lambda cond: any(src.calls(src.reach(m), "HashData")
                                                  for c in src.nodes("invocation_expression", [cond])
                                                  for m in src.methods.get(src.callee(c), [])),
        "a code of another client": lambda cond: "ClientId" in src.text(cond),
    }
    for what, matches in conditions.items():
        if not any(matches(cond) and "invalid_grant" in src.strings([body]) for cond, body in src.ifs([token])):
            problems.append(f"{what} must answer invalid_grant")
    take_calls = src.calls([token], "TakeCodeAsync")
    refusals = [cond for cond, body in src.ifs([token]) if "invalid_grant" in src.strings([body])]
    if take_calls and any(c.start_byte < take_calls[0].start_byte for c in refusals):
        problems.append("the code must be taken before it is checked, so a failed try burns it")
    s256 = [c for c in src.calls(reached, "Encode") if src.receiver(c) == "Base64UrlEncoder"
            and any(src.receiver(h) == "SHA256" for h in src.calls([c], "HashData"))
            and "verifier" in src.text(c)]
    if not s256:
        problems.append("PKCE S256 is BASE64URL(SHA256(code_verifier))")
    if not src.calls([token], "clock"):
        problems.append("the token endpoint must use the injected clock")
    return problems


def check_id_token(src: CSharp) -> list[str]:
    problems = []
    reached, token = _token(src)
    claims = src.initializer_with(reached, "iss")
    missing = {"iss", "aud", "iat", "exp", "auth_time"} - set(claims)
    if missing:
        problems.append(f"the ID token lacks {sorted(missing)}")
    if "exp" in claims and ("TokenLifetime" not in src.text(claims["exp"])
                            or src.text(claims.get("iat")) not in src.text(claims["exp"])):
        problems.append("exp must be iat + TokenLifetime")
    issue = [m for m in src.methods.get("IssueAsync", [])]
    nonce = [a for a in src.nodes("assignment_expression", issue)
             if src.text(a.child_by_field_name("left")).endswith('["nonce"]')
             and src.text(a.child_by_field_name("right")) == "nonce"]
    bound = [c for c in src.calls([token] if token else [], "IssueAsync")
             if any(src.text(a) == "grant.Nonce" for a in src.args(c))]
    if not nonce or not bound:
        problems.append("the ID token does not carry the nonce bound to the code")
    writes = src.calls(reached, "WriteToken")
    if not writes or not any("JwtHeader" in src.text(c) and "Credentials" in src.text(c) for c in writes):
        problems.append("the ID token must be written with the signing key's credentials in its header")
    subject = [n for n in src.nodes("element_access_expression", src.endpoint("MapGet", "/authorize"))
               if src.strings([n]) == {"sub"} and n.parent is not None and n.parent.type == "assignment_expression"]
    if not subject:
        problems.append("the user's sub is not set in the claims bound to the code")
    return problems


def check_lifetimes(src: CSharp) -> list[str]:
    problems = []
    code = _lifetime_seconds(src, "CodeLifetime")
    if code is None or not 0 < code <= 60:
        problems.append(f"codes must live 60 s at most (CodeLifetime = {code})")
    token = _lifetime_seconds(src, "TokenLifetime")
    if token is None or not 0 < token <= 600:
        problems.append(f"ID tokens must live 10 min at most (TokenLifetime = {token})")
    reached, _ = _token(src)
    response = src.initializer_with(reached, "expires_in")
    access = _lifetime_seconds(src, "AccessTokenLifetime")
    if access != 900:
        problems.append(f"access tokens must live 15 minutes (AccessTokenLifetime = {access})")
    if "AccessTokenLifetime" not in src.text(response.get("expires_in")):
        problems.append("expires_in must be AccessTokenLifetime")
    if "no-store" not in src.strings(reached):
        problems.append("token responses must be Cache-Control: no-store")
    return problems


def check_userinfo(src: CSharp) -> list[str]:
    reached = src.endpoint("MapGet", "/userinfo")
    problems = []
    if "Bearer " not in src.strings(reached) or not src.calls(reached, "FindAccessTokenAsync"):
        problems.append("userinfo must take a Bearer access token issued by this provider")
    if not any(src.status_401(c) for c in src.nodes("invocation_expression", reached)):
        problems.append("userinfo without a valid token must answer 401")
    issued, _ = _token(src)
    if not src.calls(issued, "IssueAccessTokenAsync"):
        problems.append("the token endpoint issues no access token")
    return problems


def check_clock(src: CSharp) -> list[str]:
    problems = []
    m = src.map_method
    default = [d for d in src.nodes("variable_declarator", [m]) if src.text(d.child_by_field_name("name")) == "clock"]
    if not default or not re.search(r"\bnow \?\?", src.text(default[0])):
        problems.append("the clock must be the now argument, the system clock by default")
    # The in-process store expires entries on the real clock, as Redis does.
    memory = [c for c in src.nodes("class_declaration") if src.text(c.child_by_field_name("name")) == "MemoryStore"]
    wall = [n for n in src.nodes("member_access_expression")
            if re.fullmatch(r"DateTime(Offset)?\.(UtcNow|Now)", src.text(n))
            and not (default and default[0].start_byte <= n.start_byte < default[0].end_byte)
            and not any(m.start_byte <= n.start_byte < m.end_byte for m in memory)]
    if wall:
        problems.append(f"the system clock is read directly at line {src.doc.pos(wall[0])[0]}")
    return problems


def _class(src: CSharp, name: str) -> ts.Node | None:
    return next((c for c in src.nodes("class_declaration") if src.text(c.child_by_field_name("name")) == name), None)


def _class_method(src: CSharp, cls: str, name: str) -> ts.Node | None:
    owner = _class(src, cls)
    return next((m for m in src.methods.get(name, []) if owner is not None
                 and owner.start_byte <= m.start_byte < owner.end_byte), None)


def _atomic_takes(src: CSharp) -> list[str]:
    """Each store's take removes what it returns: in one step where the store can (memory: under its
    lock, Redis: GETDEL), read-then-remove where it cannot (IDistributedCache)."""
    problems = []
    memory = _class_method(src, "MemoryStore", "TakeAsync")
    if memory is None or not [c for c in src.calls([memory], "Remove") if src.receiver(c) == "_entries"] \
            or not src.nodes("lock_statement", [memory]):
        problems.append("the in-process store's take must remove the entry under its lock")
    redis = _class_method(src, "RedisStore", "TakeAsync")
    if redis is None or not src.calls([redis], "StringGetDeleteAsync"):
        problems.append("the Redis store's take must be GETDEL (atomic)")
    cache = _class_method(src, "DistributedCacheStore", "TakeAsync")
    if cache is None or not src.calls([cache], "RemoveAsync"):
        problems.append("the IDistributedCache store's take must remove the entry")
    return problems


def check_store(src: CSharp) -> list[str]:
    """Redis from GENESYS_OIDC_STORE_URL, else the application's shared IDistributedCache, else a
    bounded in-process store that warns at start-up, naming the variable."""
    problems = []
    add = src.method("AddGenesysOidc")
    select = src.methods.get("SelectStore", [])
    if not select or not any("SelectStore" in src.text(c) for c in src.calls(src.reach(add), "AddSingleton")):
        return ["AddGenesysOidc must register the store SelectStore chooses"]
    select = select[0]
    made = [src.text(n.child_by_field_name("type")) for n in src.nodes("object_creation_expression", [select])]
    if made != ["RedisStore", "DistributedCacheStore", "MemoryStore"]:
        problems.append(f"the stores must be tried as Redis, IDistributedCache, memory; found {made}")
    redis = [body for cond, body in src.ifs([select]) if "StoreUrl" in src.text(cond)
             and any(src.text(n.child_by_field_name("type")) == "RedisStore"
                     for n in src.nodes("object_creation_expression", [body]))]
    if not redis:
        problems.append("the Redis store must be chosen by GENESYS_OIDC_STORE_URL")
    shared = [cond for cond, _ in src.ifs([select]) if "MemoryDistributedCache" in src.text(cond)]
    if not shared:
        problems.append("an in-memory IDistributedCache is not a shared store")
    warnings = [c for c in src.calls([select], "LogWarning") if "GENESYS_OIDC_STORE_URL" in src.strings(src.reach(c))]
    if not warnings:
        problems.append("the in-process store must warn at start-up, naming GENESYS_OIDC_STORE_URL")
    memory = _class_method(src, "MemoryStore", "SetAsync")
    if memory is None or not re.search(r"_entries\.Count >= _capacity", src.text(memory)):
        problems.append("the in-process store must be bounded")
    elif src.calls([memory], "Clear") or not src.calls([memory], "MinBy"):
        problems.append("a full in-process store drops the expired entries and then the closest to expiry, "
                        "never everyone's")
    ctor = next((m for m in src.methods.get("MemoryStore", []) if m.type == "constructor_declaration"), None)
    created = [n for n in src.nodes("object_creation_expression", [select])
               if src.text(n.child_by_field_name("type")) == "MemoryStore"]
    if (_int_constant(src, "MaxStoredEntries") or 0) <= 0 or ctor is None \
            or "_capacity = capacity" not in src.text(ctor) \
            or not created or [src.text(a) for a in src.args(created[0])] != ["MaxStoredEntries"]:
        problems.append("MaxStoredEntries must bound the in-process store")
    return problems


def check_refresh(src: CSharp) -> list[str]:
    """offline_access and the refresh_token grant: rotation (each refresh token taken once),
    reuse of a code or refresh token revokes the family, the sign-in's renewal deadline."""
    problems = []
    _, token = _token(src)
    refresh = src.methods.get("RefreshAsync", [])
    if not refresh or not src.calls([token] if token else [], "RefreshAsync"):
        return ["the token endpoint must answer grant_type=refresh_token"]
    refresh = refresh[0]
    for method, prefix in (("TakeRefreshTokenAsync", "refresh"), ("TakeCodeAsync", "code")):
        found = src.methods.get(method, [])
        if not found:
            problems.append(f"no {method}")
            continue
        if not [c for c in src.calls(found, "TakeAsync") if f"{prefix}:" in src.strings([c])]:
            problems.append(f"{method} must take (not read) the {prefix} record: used once")
        reuse = [body for cond, body in src.ifs(found) if re.fullmatch(r"\w+ is null", _squash(src.text(cond)))
                 and [c for c in src.calls([body], "GetAsync") if f"{prefix}-used:" in src.strings([c])]
                 and src.calls(src.reach(body), "RevokeAsync")]
        if not reuse:
            problems.append(f"a {prefix} presented again must revoke its family")
        if not [c for c in src.calls(found, "SetAsync") if f"{prefix}-used:" in src.strings([c])]:
            problems.append(f"a used {prefix} must be remembered")
    if not src.calls([refresh], "IsRevokedAsync") or not src.calls(src.methods.get("FindAccessTokenAsync", []),
                                                                  "IsRevokedAsync"):
        problems.append("a revoked family's refresh and access tokens must be refused")
    if not [cond for cond, body in src.ifs([refresh]) if "Until" in src.text(cond) and "now" in src.text(cond)
            and "invalid_grant" in src.strings([body])]:
        problems.append("a refresh token past the sign-in's renewal deadline must be refused")
    issue = src.methods.get("IssueAsync", [])
    offline = [body for cond, body in src.ifs(issue) if "offline_access" in src.strings([cond])
               and src.calls([body], "IssueRefreshTokenAsync")]
    if not offline:
        problems.append("refresh tokens must be issued for offline_access only")
    if not [c for c in src.calls([token] if token else [], "IssueAsync") if "RefreshLifetime" in src.text(c)]:
        problems.append("a sign-in must be renewable until GENESYS_OIDC_REFRESH_TTL after it")
    return problems


def check_browser_requests(src: CSharp) -> list[str]:
    """Sec-Fetch-Site: the JSON mode for this site's own fetch only; the redirect mode refuses
    navigations another site started."""
    problems = []
    reached = src.endpoint("MapGet", "/authorize")
    check = src.methods.get("FromThisSite", [])
    if not check:
        return ["authorize must read Sec-Fetch-Site"]
    strings = src.strings(src.reach(*check))
    if not {"Sec-Fetch-Site", "same-origin", "cross-site", "same-site"} <= strings:
        problems.append("Sec-Fetch-Site must refuse cross-site and same-site requests")
    branches = src.nodes("conditional_expression", check)
    if not branches or not all({"cross-site", "same-site"} <= src.strings([b.child_by_field_name("alternative")])
                               for b in branches):
        problems.append("the redirect mode must refuse cross-site and same-site navigations")
    refusals = [body for cond, body in src.ifs(reached) if src.calls([cond], "FromThisSite")
                and any("StatusCodes.Status403Forbidden" == src.text(a) for c in src.calls([body], "Error")
                        for a in src.args(c))]
    if not refusals:
        problems.append("a request from another site must get a 403, never a code")
    return problems


def check_limits(src: CSharp) -> list[str]:
    problems = []
    authorize = next((n for n in src.endpoint("MapGet", "/authorize") if n.type == "method_declaration"
                      and "IssueCodeAsync" in src.text(n)), None)
    limit = _int_constant(src, "MaxParameterLength")
    if limit is None or limit > 512:
        problems.append(f"state and nonce must be limited to 512 characters at most (MaxParameterLength = {limit})")
    bounded = [cond for cond, _ in src.ifs([authorize] if authorize else [])
               if "MaxParameterLength" in src.text(cond) and "state" in src.text(cond) and "nonce" in src.text(cond)]
    if not bounded:
        problems.append("authorize must refuse an oversized state or nonce")
    _, token = _token(src)
    body = token.child_by_field_name("body") if token else None
    size = [cond for cond, _ in src.ifs([body] if body else []) if "ContentLength" in src.text(cond)
            and "MaxTokenBodyBytes" in src.text(cond)]
    secrets = src.calls([body] if body else [], "SecretEquals")
    if not size or not secrets or size[0].start_byte > secrets[0].start_byte:
        problems.append("the token body size must be checked before client authentication")
    if (_int_constant(src, "MaxTokenBodyBytes") or 1 << 30) > 64 * 1024 and "16 * 1024" not in src.text(
            src.fields.get("MaxTokenBodyBytes")):
        problems.append("MaxTokenBodyBytes must be small")
    query = [cond for cond, _ in src.ifs([body] if body else []) if "BodyOnly" in src.text(cond)
             and "Query" in src.text(cond)]
    body_only = src.fields.get("BodyOnly")
    if not query or not {"client_secret", "code", "code_verifier", "refresh_token"} <= src.strings([body_only]):
        problems.append("/token must refuse secrets, codes and tokens in the query string")
    return problems


def check_sign_in_age(src: CSharp) -> list[str]:
    problems = []
    authorize = next((n for n in src.endpoint("MapGet", "/authorize") if n.type == "method_declaration"
                      and "IssueCodeAsync" in src.text(n)), None)
    aged = [cond for cond, body in src.ifs([authorize] if authorize else []) if "login_required" in src.strings([body])
            and "maxAge" in src.text(cond) and "login" in src.strings([cond]) and "authTime" in src.text(cond)]
    if not aged:
        problems.append("max_age and prompt=login must be checked against the sign-in time")
    elif src.text(aged[0]).count("signedIn is null") < 2:
        problems.append("max_age and prompt=login must fail when the sign-in time is unknown")
    if not src.calls([authorize] if authorize else [], "SignInTime") or \
            "auth_time" not in src.strings(src.methods.get("SignInTime", [])):
        problems.append("auth_time must be the site's sign-in time where it tells it")
    issue = src.calls([authorize] if authorize else [], "IssueCodeAsync")
    if issue and "authTime" not in src.text(issue[0]):
        problems.append("the code must carry the sign-in time")
    return problems


def check_next_key(src: CSharp) -> list[str]:
    problems = []
    ctor = next((m for m in src.methods.get("SigningKey", []) if m.type == "constructor_declaration"), None)
    if ctor is None:
        return ["no SigningKey constructor"]
    added = [c for c in src.calls([ctor], "Add") if any(
        [src.text(x) for x in src.args(p)] == ["next"] for p in src.calls([c], "PublicJwkOf"))]
    published = {src.text(n.child_by_field_name("right")) for n in src.property_assignments.get("PublicJwks", [])}
    if not added or src.receiver(added[0]) not in published:
        problems.append("the JWKS must carry the next key's public JWK")
    if "GENESYS_OIDC_NEXT_PRIVATE_KEY_FILE" not in src.strings(src.reach(src.method("LoadSettings"))):
        problems.append("the next key must come from GENESYS_OIDC_NEXT_PRIVATE_KEY_FILE")
    jwks = src.endpoint("MapGet", "/jwks.json")
    if not any(src.text(n) == "key.PublicJwks" for n in src.nodes("member_access_expression", jwks)):
        problems.append("jwks.json must serve every published key")
    return problems


CHECKS: dict[str, Callable[[CSharp], list[str]]] = {
    "public API": check_public_api,
    "routes": check_routes,
    "login guard": check_login_guard,
    "discovery": check_discovery,
    "JWKS and kid": check_jwks_and_kid,
    "settings": check_settings,
    "authorize": check_authorize,
    "client authentication": check_client_authentication,
    "code redemption": check_code_redemption,
    "ID token": check_id_token,
    "lifetimes": check_lifetimes,
    "userinfo": check_userinfo,
    "clock": check_clock,
    "store": check_store,
    "refresh": check_refresh,
    "browser requests": check_browser_requests,
    "limits": check_limits,
    "sign-in age": check_sign_in_age,
    "next key": check_next_key,
}


@lru_cache(maxsize=2)
def parsed(source: str) -> CSharp:
    return CSharp(source)


# --- tests ----------------------------------------------------------------------------------------

def test_renders_valid_csharp(rendered, tmp_path):
    path = tmp_path / "GenesysOidcProvider.cs"
    path.write_text(rendered, encoding="utf-8")
    doc = Doc.parse("csharp", path.read_bytes())
    assert doc.first_error() is None, f"syntax error at {doc.first_error()}"


def test_issuer_path_appears_only_in_the_wiring_example():
    other = render(TEMPLATE, issuer_path="/auth/genesys")
    assert 'app.MapGenesysOidc("/auth/genesys",' in other
    assert other.replace("/auth/genesys", ISSUER_PATH) == render(TEMPLATE, issuer_path=ISSUER_PATH)
    assert Doc.parse("csharp", other.encode()).first_error() is None


def test_no_placeholders_left(rendered):
    assert "{{" not in rendered and "{%" not in rendered
    assert re.findall(r"TODO(?!\(migrate:ZG\d{3}\))", rendered) == []


# Each mutation breaks one rule and must be caught by the named check. The mutated code still
# parses: the check reads structure, it does not just fail on broken syntax.
MUTATIONS = [
    ("token route removed", "routes",
     'app.MapPost(prefix + "/token", token);', ""),
    ("userinfo route at the site root", "routes",
     'app.MapGet(prefix + "/userinfo",', 'app.MapGet("" + "/userinfo",'),
    ("signature changed", "public API",
     "string? authorizationPolicy = null,", "string authorizationPolicy,"),
    ("bare [Authorize] not honoured", "login guard",
     "authorize.RequireAuthorization();", ";"),
    ("discovery without PKCE", "discovery",
     '["code_challenge_methods_supported"] = new[] { "S256" },', ""),
    ("discovery drops client_secret_post", "discovery",
     'new[] { "client_secret_basic", "client_secret_post" }', 'new[] { "client_secret_basic" }'),
    ("JWK from the private key", "JWKS and kid",
     "rsa.ExportParameters(false)", "rsa.ExportParameters(true)"),
    ("signing key without the thumbprint kid", "JWKS and kid",
     "new RsaSecurityKey(rsa) { KeyId = keyId }", "new RsaSecurityKey(rsa)"),
    ("signing key with a fixed kid", "JWKS and kid",
     "new RsaSecurityKey(rsa) { KeyId = keyId }", 'new RsaSecurityKey(rsa) { KeyId = "key-1" }'),
    ("published kid not the thumbprint", "JWKS and kid",
     '["kid"] = keyId,', '["kid"] = "key-1",'),
    ("HS256", "JWKS and kid",
     "SecurityAlgorithms.RsaSha256", "SecurityAlgorithms.HmacSha256"),
    ("1024-bit keys accepted", "settings",
     "public const int MinimumKeySize = 2048;", "public const int MinimumKeySize = 1024;"),
    ("http issuer anywhere", "settings",
     'private static bool IsLoopback(Uri uri) => uri.Host is "localhost" or "127.0.0.1" or "[::1]";',
     "private static bool IsLoopback(Uri uri) => true;"),
    ("http redirect URIs anywhere", "settings",
     "else if (parsed.Scheme != Uri.UriSchemeHttps && !(parsed.Scheme == Uri.UriSchemeHttp && IsLoopback(parsed)))",
     "else if (false)"),
    ("any refresh lifetime", "settings",
     "|| seconds < MinimumRefreshLifetime.TotalSeconds || seconds > MaximumRefreshLifetime.TotalSeconds)", ")"),
    ("missing settings not named", "settings",
     'problems.Add("missing " + string.Join(", ", missing));', ""),
    ("one setting dropped", "settings",
     "PrivateKeyFileVariable, RedirectUrisVariable,", "PrivateKeyFileVariable,"),
    ("settings problems only printed", "settings",
     "throw new InvalidOperationException(\n                    \"Genesys OIDC provider cannot start: \"",
     "Console.WriteLine(\n                    \"Genesys OIDC provider cannot start: \""),
    ("redirect URI not checked", "authorize",
     "redirectUri is null || !settings.RedirectUris.Contains(redirectUri, StringComparer.Ordinal)",
     "redirectUri is null"),
    ("unregistered redirect URI redirected to", "authorize",
     'return Error("invalid_request", "redirect_uri is not registered for this client");',
     'return Refuse(context, redirectUri, null, "invalid_request", "redirect_uri is not registered");'),
    ("no S256 requirement", "authorize",
     'One(query["code_challenge_method"]) != "S256" || ', ""),
    ("any length of challenge", "authorize",
     "value.Length == 43 && IsPkceValue(value)", "IsPkceValue(value)"),
    ("code without a signed-in user", "authorize",
     "if (user is null || string.IsNullOrEmpty(subject))", "if (user is null && subject == \"\")"),
    ("code not bound to the user's claims", "authorize",
     "UserClaims(user, subject)", "new Dictionary<string, object>()"),
    ("secret compared with ==", "client authentication",
     "SecretEquals(clientSecret, settings.ClientSecret)", "clientSecret == settings.ClientSecret"),
    ("no constant-time comparison", "client authentication",
     "CryptographicOperations.FixedTimeEquals(", "System.Linq.Enumerable.SequenceEqual("),
    ("no client_secret_basic", "client authentication",
     'var usesBasic = authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase);',
     "var usesBasic = false;"),
    ("no client_secret_post", "client authentication",
     '(One(form["client_id"]), One(form["client_secret"]))', "(null, null)"),
    ("invalid_client with 400", "client authentication",
     'return Error("invalid_client", "client authentication failed", StatusCodes.Status401Unauthorized);',
     'return Error("invalid_client", "client authentication failed");'),
    ("codes read, not taken", "code redemption",
     'var grant = Read<CodeGrant>(await _store.TakeAsync("code:" + digest));',
     'var grant = Read<CodeGrant>(await _store.GetAsync("code:" + digest));'),
    ("in-process take without removal", "code redemption",
     "return Task.FromResult<string?>(_entries.Remove(key, out var entry)",
     "return Task.FromResult<string?>(_entries.TryGetValue(key, out var entry)"),
    ("Redis take not atomic", "code redemption",
     "(string?)await Database.StringGetDeleteAsync(Prefix + key);", "(string?)await Database.StringGetAsync(Prefix + key);"),
    ("expired codes redeemed", "code redemption",
     "if (grant is null || now >= DateTimeOffset.FromUnixTimeSeconds(grant.ExpiresAt))", "if (grant is null)"),
    ("redirect URI not compared at the token endpoint", "code redemption",
     'if (!string.Equals(One(form["redirect_uri"]), grant.RedirectUri, StringComparison.Ordinal))', "if (false)"),
    ("plain PKCE", "code redemption",
     "SecretEquals(Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))), challenge)",
     "SecretEquals(verifier, challenge)"),
    ("no nonce", "ID token",
     'idClaims["nonce"] = nonce;', ""),
    ("nonce not carried to the ID token", "ID token",
     "grant.AuthTime, grant.Family, (now + settings.RefreshLifetime).ToUnixTimeSeconds()), grant.Nonce, now);",
     "grant.AuthTime, grant.Family, (now + settings.RefreshLifetime).ToUnixTimeSeconds()), null, now);"),
    ("exp not from the token lifetime", "ID token",
     '["exp"] = issuedAt + (long)TokenLifetime.TotalSeconds,', '["exp"] = issuedAt + 3600,'),
    ("no auth_time", "ID token",
     '["auth_time"] = session.AuthTime,', ""),
    ("codes live two minutes", "lifetimes",
     "TimeSpan.FromSeconds(60)", "TimeSpan.FromSeconds(120)"),
    ("tokens live an hour", "lifetimes",
     "TimeSpan.FromMinutes(5)", "TimeSpan.FromMinutes(60)"),
    ("access tokens live an hour", "lifetimes",
     "TimeSpan.FromMinutes(15)", "TimeSpan.FromMinutes(60)"),
    ("expires_in from the ID token", "lifetimes",
     '["expires_in"] = (long)AccessTokenLifetime.TotalSeconds,', '["expires_in"] = (long)TokenLifetime.TotalSeconds,'),
    ("token response cacheable", "lifetimes",
     'context.Response.Headers["Cache-Control"] = "no-store";\n            context.Response.Headers["Pragma"]',
     'context.Response.Headers["Pragma"]'),
    ("userinfo without a token", "userinfo",
     'await store.FindAccessTokenAsync(authorization.Substring("Bearer ".Length).Trim(), clock())', "null"),
    ("system clock in the token endpoint", "clock",
     "var grant = await store.TakeCodeAsync(code);\n            var now = clock();",
     "var grant = await store.TakeCodeAsync(code);\n            var now = DateTimeOffset.UtcNow;"),
    ("Redis ignored", "store",
     "return new RedisStore(settings.StoreUrl);", "return new MemoryStore(MaxStoredEntries);"),
    ("an in-memory IDistributedCache taken for a shared one", "store",
     "if (cache is not null && cache is not MemoryDistributedCache)", "if (cache is not null)"),
    ("the in-process store is silent", "store",
     'log.LogWarning("{Warning}", warning);', 'log.LogDebug("{Warning}", warning);'),
    ("a full store forgets everyone", "store",
     "_entries.Remove(_entries.MinBy(e => e.Value.Expires).Key);", "_entries.Clear();"),
    ("an unbounded store", "store",
     "public MemoryStore(int capacity) => _capacity = capacity;",
     "public MemoryStore(int capacity) => _capacity = int.MaxValue;"),
    ("refresh tokens not rotated", "refresh",
     'var session = Read<Session>(await _store.TakeAsync("refresh:" + digest));',
     'var session = Read<Session>(await _store.GetAsync("refresh:" + digest));'),
    ("a reused refresh token revokes nothing", "refresh",
     'var family = await _store.GetAsync("refresh-used:" + digest);', 'string? family = null;'),
    ("a replayed code revokes nothing", "refresh",
     'var family = await _store.GetAsync("code-used:" + digest);', 'string? family = null;'),
    ("revoked families still refresh", "refresh",
     "if (session is null || await store.IsRevokedAsync(session.Family))", "if (session is null)"),
    ("refresh past the sign-in's deadline", "refresh",
     "if (now >= DateTimeOffset.FromUnixTimeSeconds(session.Until))", "if (false)"),
    ("refresh tokens without offline_access", "refresh",
     'if (session.Scope.Split(\' \').Contains("offline_access") && until > now)', "if (until > now)"),
    ("redirect mode open to other sites", "browser requests",
     ': site is not ("cross-site" or "same-site");', ": true;"),
    ("no Sec-Fetch-Site check", "browser requests",
     "if (!FromThisSite(context.Request))", "if (false)"),
    ("long state and nonce", "limits",
     "public const int MaxParameterLength = 512;", "public const int MaxParameterLength = 65536;"),
    ("no body limit", "limits",
     "if (request.ContentLength > MaxTokenBodyBytes)", "if (false)"),
    ("secrets in the query string", "limits",
     "if (BodyOnly.Any(name => request.Query.ContainsKey(name)))", "if (false)"),
    ("prompt=login ignored", "sign-in age",
     "|| (prompts.Contains(\"login\") && (signedIn is null || issuedAt - authTime > LoginPromptAge)))", ")"),
    ("auth_time is the code's time", "sign-in age",
     "var signedIn = SignInTime(user, issuedAt);", "DateTimeOffset? signedIn = issuedAt;"),
    ("an unknown sign-in time passes max_age", "sign-in age",
     "(maxAge >= 0 && (signedIn is null || (issuedAt - authTime).TotalSeconds > maxAge))",
     "(maxAge >= 0 && (issuedAt - authTime).TotalSeconds > maxAge)"),
    ("no next key", "next key",
     "jwks.Add(PublicJwkOf(next).Jwk);", ""),
]


run_check, test_matches_golden_file, test_contract, test_check_catches_mutation = contract_tests(
    "csharp", GOLDEN, CHECKS, parsed, MUTATIONS, gone=(AssertionError,))
