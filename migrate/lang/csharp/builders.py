"""Reading C# token contents: dictionaries, anonymous objects, Claim lists, signing credentials,
JWT.Net builders and System.IdentityModel descriptors, into a Draft."""

from __future__ import annotations

import dataclasses
import re

from migrate.extract.tsclaims import Call, Node, Reader, key_of
from migrate.extract.signer import Draft
from migrate.extract.tsclaims_signer import UNKNOWN, algorithm_name
from migrate.extract.treesitter import walk
from migrate.model import Expr

# Library constants whose JSON name is not the member name in snake_case.
_JWTNET_NAMES = {
    "ExpirationTime": "exp", "IssuedAt": "iat", "NotBefore": "nbf", "Issuer": "iss", "Subject": "sub",
    "Audience": "aud", "JwtId": "jti", "Id": "jti", "FullName": "name", "PreferredEmail": "email",
    "VerifiedEmail": "email_verified", "KeyId": "kid", "Type": "typ", "Algorithm": "alg",
    "ContentType": "cty",
}
# JwtSecurityTokenHandler maps these ClaimTypes URIs to short names on the way out.
_CLAIM_TYPES = {
    "Email": "email", "Name": "unique_name", "NameIdentifier": "nameid", "GivenName": "given_name",
    "Surname": "family_name", "Role": "role", "DateOfBirth": "birthdate",
}
_CONSTANT = re.compile(r"(?:[\w.]*\.)?(ClaimName|HeaderName|JwtRegisteredClaimNames|JwtHeaderParameterNames"
                       r"|ClaimTypes)\.(\w+)")
_TIMES = frozenset({"exp", "iat", "nbf"})
# A DateTime handed over as a claim value is serialised as an ISO string, not epoch seconds.
_DATETIME = re.compile(r"^\(?\s*(?:DateTime(?:Offset)?\.(?:Utc)?Now|DateTime\.Today"
                       r"|new\s+DateTime(?:Offset)?\s*\()"
                       r"(?!.*(?:ToUnixTime|Ticks|TotalSeconds|TotalMilliseconds|GetIntDate))", re.S)
_NUMERIC_TYPES = re.compile(r"ClaimValueTypes\.(Integer|Integer32|Integer64|UInteger32|UInteger64|Double)\b")
_BOOLEAN_TYPE = re.compile(r"ClaimValueTypes\.Boolean\b")


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def constant_name(text: str) -> str | None:
    """The JSON name behind ClaimName.ExpirationTime, JwtRegisteredClaimNames.Sub, ClaimTypes.Email..."""
    m = _CONSTANT.fullmatch(text.strip())
    if m is None:
        return None
    owner, member = m.groups()
    if owner in ("ClaimName", "HeaderName"):
        return _JWTNET_NAMES.get(member, _snake(member))
    if owner == "ClaimTypes":
        return _CLAIM_TYPES.get(member, _snake(member))
    return _snake(member)


def name_of(r: Reader, node: Node | None) -> str | None:
    return r.string(node, constant_name)


# --- values ---------------------------------------------------------------------------------

def raw_value(r: Reader, node: Node) -> Expr:
    """A value serialised as it is (dictionary entries, AddClaim)."""
    target = r.resolve(node)
    if target is not None and _DATETIME.match(r.text(target)):
        return r.expr(node, frozenset({"stringified"}))
    return r.expr(node)


def date_value(r: Reader, node: Node) -> Expr:
    """A DateTime the library turns into epoch seconds itself (Expires, ExpirationTime()):
    DateTime.Now is converted correctly there, so it is not local-as-UTC arithmetic."""
    return r.expr(node, frozenset({"date-object"}), frozenset({"local-as-utc"}))


def claim_value(r: Reader, value: Node, value_type: Node | None) -> Expr:
    """The value of ``new Claim(type, value[, valueType])``: always a string in the token unless
    a numeric or boolean ClaimValueTypes is given."""
    vt = r.text(value_type) if value_type is not None else ""
    if _BOOLEAN_TYPE.search(vt) or _NUMERIC_TYPES.search(vt):
        # The handler converts the string back to a JSON number / boolean.
        numeric = frozenset() if _BOOLEAN_TYPE.search(vt) else frozenset({"numeric"})
        e = r.expr(value, numeric, frozenset({"stringified"}))
        if e.kind == "string" and _BOOLEAN_TYPE.search(vt) and str(e.value).lower() in ("true", "false"):
            return dataclasses.replace(e, kind="bool", value=str(e.value).lower() == "true")
        if e.kind == "string" and numeric and re.fullmatch(r"-?\d+", str(e.value)):
            return dataclasses.replace(e, kind="int", value=int(str(e.value)))
        return e
    e = r.expr(value)
    if e.kind != "string" and not e.has("stringified"):
        e = dataclasses.replace(e, traits=(e.traits - {"numeric"}) | {"stringified"})
    return e


# --- dictionaries, objects, claim lists -----------------------------------------------------

Entry = tuple[str, Expr]


def claim_entry(r: Reader, node: Node) -> Entry | None:
    c = r.call(r.resolve(node))
    if c is None or not c.new or not _is(c, "Claim"):
        return None
    name = name_of(r, c.arg(0, "type"))
    value = c.arg(1, "value")
    if name is None or value is None:
        return None
    return name, claim_value(r, value, c.arg(2, "valueType"))


def _is(c: Call, *types: str) -> bool:
    last = c.name.rsplit(".", 1)[-1]
    return last in types


def _initializer(r: Reader, node: Node) -> Node | None:
    c = r.call(node)
    if c is not None:
        return c.init
    return next((ch for ch in node.named_children if ch.type == "initializer_expression"), None)


def literal_entries(r: Reader, node: Node) -> list[Entry]:
    """Pairs written in the expression itself: ``{ {"k", v} }``, ``{ ["k"] = v }``,
    ``new { k = v }``, ``new[] { new Claim(..) }``."""
    if node.type == "anonymous_object_creation_expression":
        return _anonymous(r, node)
    out: list[Entry] = []
    c = r.call(node)
    if c is not None and c.new and len(c.args) == 1 and _is(c, "Dictionary", "JwtPayload", "List"):
        out += entries(r, c.args[0], node)
    init = _initializer(r, node)
    if init is None:
        return out
    for item in init.named_children:
        out += _item(r, item)
    return out


def _item(r: Reader, item: Node) -> list[Entry]:
    if item.type == "initializer_expression" and len(item.named_children) >= 2:
        name = name_of(r, item.named_children[0])
        return [(name, raw_value(r, item.named_children[1]))] if name else []
    if item.type == "assignment_expression":
        left, right = item.child_by_field_name("left"), item.child_by_field_name("right")
        if left is None or right is None:
            return []
        if left.type == "element_binding_expression":
            arg = next((a for a in left.named_children if a.type == "argument"), None)
            name = name_of(r, arg.named_children[-1]) if arg is not None and arg.named_children else None
        else:
            name = r.text(left) if left.type == "identifier" else None
        return [(name, raw_value(r, right))] if name else []
    entry = claim_entry(r, item)
    return [entry] if entry else []


def _anonymous(r: Reader, node: Node) -> list[Entry]:
    out: list[Entry] = []
    kids = [ch for ch in node.children if ch.type not in ("new", "{", "}", ",")]
    i = 0
    while i < len(kids):
        if kids[i].type == "identifier" and i + 2 < len(kids) and kids[i + 1].type == "=":
            out.append((r.text(kids[i]), raw_value(r, kids[i + 2])))
            i += 3
            continue
        # Projection initialiser: new { user.Email } is named Email.
        name = r.text(kids[i]).rsplit(".", 1)[-1]
        if kids[i].is_named and re.fullmatch(r"\w+", name):
            out.append((name, raw_value(r, kids[i])))
        i += 1
    return out


def entries(r: Reader, node: Node | None, before: Node) -> list[Entry]:
    """All pairs of a payload or header: the expression (through the local holding it) plus
    ``x["k"] = v`` / ``x.Add("k", v)`` / ``x.AddClaim(new Claim(..))`` written before ``before``."""
    if node is None:
        return []
    target = r.resolve(node)
    out = literal_entries(r, target) if target is not None else []
    if target is None or not _readable(r, target):
        out.append((UNKNOWN, r.expr(node)))
    for use in _local_uses(r, node, before):
        out += _mutation(r, use, before)
    return out


_LITERAL_TYPES = frozenset({"anonymous_object_creation_expression", "implicit_array_creation_expression",
                            "array_creation_expression", "collection_expression", "null_literal"})


def _readable(r: Reader, target: Node) -> bool:
    """Whether the pairs are written here (a literal, a collection built in place), rather than
    coming from a parameter or a method."""
    if target.type in _LITERAL_TYPES:
        return True
    c = r.call(target)
    return c is not None and c.new and (c.init is not None or _is(
        c, "Dictionary", "JwtPayload", "JwtHeader", "List", "ClaimsIdentity", "ExpandoObject"))


def _local_uses(r: Reader, node: Node, before: Node) -> list[Node]:
    seen: set[tuple[int, int, str]] = set()
    found: list[Node] = []
    cur: Node | None = r.syntax.unwrap(node)
    for _ in range(3):
        if cur is None or cur.type != "identifier":
            break
        d = r.definition(cur)
        if d is None or d.scope is None:
            break
        for use in r.uses(r.text(cur), d, before.start_byte):
            if key_of(use) not in seen:
                seen.add(key_of(use))
                found.append(use)
        cur = r.syntax.unwrap(d.value)
    found.sort(key=lambda n: n.start_byte)
    return found


def _mutation(r: Reader, use: Node, before: Node) -> list[Entry]:
    el = r.syntax.element_assignment(r.doc, use)
    if el is not None:
        name = name_of(r, el[1])
        return [(name, raw_value(r, el[2]))] if name else []
    c = r.call(use)
    if c is None:
        return []
    if c.name in ("Add", "TryAdd") and len(c.args) == 2:
        name = name_of(r, c.args[0])
        return [(name, raw_value(r, c.args[1]))] if name else []
    if c.name in ("Add", "AddClaim") and len(c.args) == 1:
        entry = claim_entry(r, c.args[0])
        return [entry] if entry else []
    if c.name in ("AddClaims", "AddRange") and c.args:
        return entries(r, c.args[0], before)
    return []


def properties(r: Reader, node: Node | None, before: Node) -> dict[str, Node]:
    """Property values of an object initializer and of ``x.P = v`` written afterwards."""
    if node is None:
        return {}
    out: dict[str, Node] = {}
    target = r.resolve(node)
    init = _initializer(r, target) if target is not None else None
    for item in init.named_children if init is not None else ():
        left, right = item.child_by_field_name("left"), item.child_by_field_name("right")
        if item.type == "assignment_expression" and left is not None and right is not None:
            out[r.text(left)] = right
    for use in _local_uses(r, node, before):
        for target_node, value, _ in r.syntax.declarations(r.doc, use):
            member = r.syntax.member(r.doc, target_node)
            if member is not None:
                out[member[1]] = value
    return out


# --- keys and algorithms --------------------------------------------------------------------

def peel(r: Reader, node: Node) -> Node | None:
    """One wrapper around a secret: new SymmetricSecurityKey(x), Encoding.UTF8.GetBytes(x)..."""
    c = r.call(node)
    if c is None:
        return None
    if c.new and _is(c, "SigningCredentials", "SymmetricSecurityKey", "HMACSHA256", "HMACSHA384",
                     "HMACSHA512", "InMemorySymmetricSecurityKey"):
        return c.arg(0, "key")
    if c.name in ("GetBytes", "FromBase64String", "DecodeBytes", "Base64UrlDecode", "Decode", "WithSecret"):
        return c.arg(0)
    return None


def algorithm_expr(r: Reader, node: Node) -> tuple[str | None, Expr]:
    target = r.resolve(node)
    text = r.text(target)
    c = r.call(target)
    name = algorithm_name(c.name if c is not None and c.new else text)
    if name is None and (s := r.string(node)) is not None:
        name = algorithm_name(s)
    label = c.name if c is not None else text
    return name, r.safe_expr(target if target is not None else node, label)


@dataclasses.dataclass
class Creds:
    algorithm: str | None = None
    algorithm_expr: Expr | None = None
    key: Expr | None = None
    kid: Expr | None = None


def credentials(r: Reader, node: Node | None, before: Node) -> Creds:
    """``new SigningCredentials(key, SecurityAlgorithms.HmacSha256)`` wherever it is built."""
    if node is None:
        return Creds()
    c = r.call(r.resolve(node))
    if c is None or not c.new or not _is(c, "SigningCredentials"):
        return Creds()
    out = Creds()
    alg = c.arg(1, "algorithm")
    if alg is not None:
        out.algorithm, out.algorithm_expr = algorithm_expr(r, alg)
    key = c.arg(0, "key")
    if key is not None:
        out.key = r.key(key, peel)
        kid = properties(r, key, before).get("KeyId")
        out.kid = r.expr(kid) if kid is not None else None
    return out


def apply_credentials(draft: Draft, creds: Creds) -> None:
    draft.set_algorithm(creds.algorithm_expr, creds.algorithm)
    draft.key = creds.key or draft.key
    if creds.kid is not None:
        draft.header.setdefault("kid", creds.kid)


# --- JWT.Net --------------------------------------------------------------------------------

def jwtnet_builder(r: Reader, calls: list[Call], draft: Draft) -> None:
    """``JwtBuilder.Create().WithAlgorithm(..).WithSecret(..).AddClaim(..).Encode()``."""
    for c in calls:
        if c.name == "WithAlgorithm" and c.args:
            draft.algorithm, draft.algorithm_expr = algorithm_expr(r, c.args[0])
        elif c.name == "WithSecret" and c.args:
            draft.key = r.key(c.args[0], peel)
        elif c.name == "AddClaim" and len(c.args) == 2 and (name := name_of(r, c.args[0])):
            draft.claims[name] = raw_value(r, c.args[1])
        elif c.name == "AddHeader" and len(c.args) == 2 and (name := name_of(r, c.args[0])):
            draft.header[name] = raw_value(r, c.args[1])
        elif c.name == "AddClaims" and c.args:
            draft.claims.update(entries(r, c.args[0], c.node))
        elif c.name in _JWTNET_NAMES and len(c.args) == 1 and c.receiver is not None:
            name = _JWTNET_NAMES[c.name]
            if name in _TIMES:
                draft.managed[name] = date_value(r, c.args[0])
            else:
                draft.claims[name] = raw_value(r, c.args[0])


def encoder_algorithm(r: Reader, encoder: Node | None) -> tuple[str | None, Expr | None]:
    """The algorithm handed to ``new JwtEncoder(algorithm, serializer, urlEncoder)``."""
    c = r.call(r.resolve(encoder)) if encoder is not None else None
    if c is None or not c.new or not _is(c, "JwtEncoder") or not c.args:
        return None, None
    return algorithm_expr(r, c.args[0])


# --- System.IdentityModel -------------------------------------------------------------------

_ARRAYS = frozenset({"implicit_array_creation_expression", "array_creation_expression",
                     "collection_expression"})


def claim_list(r: Reader, node: Node | None, before: Node) -> dict[str, Expr]:
    """Claims of ``new ClaimsIdentity(new[] { new Claim(..) })``, a List<Claim>, a Claim[]..."""
    if node is None:
        return {}
    target = r.resolve(node)
    c = r.call(target)
    if c is not None and c.new and _is(c, "ClaimsIdentity") and c.args:
        out = claim_list(r, c.args[0], before)
        out.update(dict(entries(r, node, before)))  # identity.AddClaim(new Claim(..))
        return out
    out = dict(entries(r, node, before))
    if target is not None and target.type in _ARRAYS:
        for n in walk(target):
            entry = claim_entry(r, n) if n.type == "object_creation_expression" else None
            if entry:
                out.setdefault(*entry)
    return out


DESCRIPTOR_TIMES = {"Expires": "exp", "IssuedAt": "iat", "NotBefore": "nbf"}


def descriptor(r: Reader, node: Node, draft: Draft, before: Node) -> None:
    """``new SecurityTokenDescriptor { Subject = .., Claims = .., Expires = .., SigningCredentials = ..}``
    (properties set afterwards count too)."""
    props = properties(r, node, before)
    if "Subject" in props:
        draft.claims.update(claim_list(r, props["Subject"], before))
    if "Claims" in props:
        draft.claims.update(entries(r, props["Claims"], before))
    for prop, claim in (("Issuer", "iss"), ("Audience", "aud")):
        if prop in props:
            draft.claims.setdefault(claim, r.expr(props[prop]))
    if "AdditionalHeaderClaims" in props:
        draft.add_header(entries(r, props["AdditionalHeaderClaims"], before))
    for prop, claim in DESCRIPTOR_TIMES.items():
        if prop in props:
            draft.managed[claim] = date_value(r, props[prop])
    apply_credentials(draft, credentials(r, props.get("SigningCredentials"), before))
    handler_defaults(r, draft)


def handler_defaults(r: Reader, draft: Draft) -> None:
    """Token handlers set iat (now) and exp (now + 60 minutes) when the descriptor does not."""
    line, col = r.doc.pos(draft.at)
    defaults = (("iat", "DateTime.UtcNow", 0.0), ("exp", "DateTime.UtcNow.AddMinutes(60)", 3600.0))
    for claim, text, offset in defaults:
        if claim not in draft.managed and claim not in draft.claims:
            draft.managed[claim] = Expr(text=text, line=line, column=col, kind="other",
                                        traits=frozenset({"clock", "date-object", "library-default"}),
                                        offset=offset)


_TOKEN_PARAMS = ("issuer", "audience", "claims", "notBefore", "expires", "signingCredentials")
_HANDLER_PARAMS = ("issuer", "audience", "subject", "notBefore", "expires", "issuedAt", "signingCredentials")


def security_token(r: Reader, c: Call, draft: Draft, before: Node) -> None:
    """``new JwtSecurityToken(header, payload)`` or ``new JwtSecurityToken(issuer, audience,
    claims, notBefore, expires, signingCredentials)``."""
    first = r.call(r.resolve(c.arg(0, "header")))
    if "header" in c.named or (first is not None and first.new and _is(first, "JwtHeader")):
        _header(r, c.arg(0, "header"), draft, before)
        _payload(r, c.arg(1, "payload"), draft, before)
        return
    _positional(r, c, _TOKEN_PARAMS, draft, before)


def handler_call(r: Reader, c: Call, draft: Draft, before: Node) -> None:
    """``handler.CreateToken(descriptor)`` and the positional CreateJwtSecurityToken overload."""
    first = c.arg(0, "tokenDescriptor")
    target = r.call(r.resolve(first))
    if target is not None and (_is(target, "SecurityTokenDescriptor") or target.name == ""):
        descriptor(r, first, draft, before)
        return
    _positional(r, c, _HANDLER_PARAMS, draft, before)
    handler_defaults(r, draft)


def _positional(r: Reader, c: Call, params: tuple[str, ...], draft: Draft, before: Node) -> None:
    args = {p: c.arg(i, p) for i, p in enumerate(params)}
    for p, claim in (("issuer", "iss"), ("audience", "aud")):
        node = args.get(p)
        if node is not None and r.text(node) != "null":
            draft.claims[claim] = r.expr(node)
    for p in ("claims", "subject"):
        draft.claims.update(claim_list(r, args.get(p), before))
    for p, claim in (("notBefore", "nbf"), ("expires", "exp"), ("issuedAt", "iat")):
        node = args.get(p)
        if node is not None and r.text(node) != "null":
            draft.managed[claim] = date_value(r, node)
    apply_credentials(draft, credentials(r, args.get("signingCredentials"), before))


def _header(r: Reader, node: Node | None, draft: Draft, before: Node) -> None:
    c = r.call(r.resolve(node)) if node is not None else None
    if c is not None and c.new and c.args:
        apply_credentials(draft, credentials(r, c.arg(0, "signingCredentials"), before))
    draft.add_header(entries(r, node, before))


def _payload(r: Reader, node: Node | None, draft: Draft, before: Node) -> None:
    c = r.call(r.resolve(node)) if node is not None else None
    if c is not None and c.new and _is(c, "JwtPayload") and len(c.args) >= 3:
        _positional(r, c, ("issuer", "audience", "claims", "notBefore", "expires"), draft, before)
    draft.claims.update(entries(r, node, before))
