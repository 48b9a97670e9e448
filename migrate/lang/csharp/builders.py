"""What every C# JWT library's reading shares: claim-name constants, values, dictionaries,
anonymous objects, Claim lists, object properties, keys and algorithms (the libraries themselves
are in ``libraries/``)."""

from __future__ import annotations

import dataclasses
import re

from migrate.extract.tsclaims import Call, Node, Reader, key_of
from migrate.extract.tsclaims_signer import UNKNOWN, algorithm_name
from migrate.model import Expr

# JWT.Net's ClaimName / HeaderName members whose JSON name is not the member name in snake_case.
JWTNET_NAMES = {
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
TIMES = frozenset({"exp", "iat", "nbf"})
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
        return JWTNET_NAMES.get(member, _snake(member))
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
    if c is None or not c.new or not is_a(c, "Claim"):
        return None
    name = name_of(r, c.arg(0, "type"))
    value = c.arg(1, "value")
    if name is None or value is None:
        return None
    return name, claim_value(r, value, c.arg(2, "valueType"))


def is_a(c: Call, *types: str) -> bool:
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
    if c is not None and c.new and len(c.args) == 1 and is_a(c, "Dictionary", "JwtPayload", "List"):
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
    return c is not None and c.new and (c.init is not None or is_a(
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
    if c.new and is_a(c, "SigningCredentials", "SymmetricSecurityKey", "HMACSHA256", "HMACSHA384",
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
