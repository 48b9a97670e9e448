"""JWT signing code in JavaScript and TypeScript: jsonwebtoken, jose, jwt-simple, njwt,
jsrsasign and WebCrypto HMAC.

``extract(src)`` finds every call that signs a token and reports it as a ``Signer``: claims
as written, the header, the algorithm, the key's origin (never its value), the times the
library adds itself (``expiresIn``, ``setIssuedAt()``), and how the token is sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from tree_sitter import Node

from migrate.lang.javascript import routes
from migrate.lang.javascript.libraries import jose as js_jose
from migrate.lang.javascript.libraries import jsrsasign as js_jsrsasign
from migrate.lang.javascript.libraries import jwt_simple as js_jwt_simple
from migrate.lang.javascript.libraries import njwt as js_njwt
from migrate.lang.javascript.libraries import webcrypto as js_webcrypto
from migrate.extract.base import Found, Source
from migrate.lang.javascript.context import Parts, Site, signer
from migrate.lang.javascript.libraries.jsonwebtoken import read_sign
from migrate.lang.javascript.scope import args_of, unwrap
from migrate.lang.javascript.values import JsFile
from migrate.extract.treesitter import Doc, string_value

# Files without any of these words cannot sign a token; they are not parsed.  Plain
# substring tests: a regex over a multi-megabyte bundle costs more than the check saves.
_WORTH_PARSING = ("jwt", "JWT", "Jwt", "jsonwebtoken", "subtle", "KJUR")

Role = Literal["jwt", "sign", "jose", "SignJWT", "jwt-simple", "encode", "njwt", "create",
               "jsrsasign", "KJUR"]
# module -> {exported name (None for the module itself) -> role}
_EXPORTS: dict[str, dict[str | None, Role]] = {
    "jwt-simple": {None: "jwt-simple", "default": "jwt-simple", "encode": "encode"},
    "njwt": {None: "njwt", "default": "njwt", "create": "create"},
    "jsrsasign": {None: "jsrsasign", "default": "jsrsasign", "KJUR": "KJUR"},
}


@dataclass
class Imports:
    """Local names bound to the signing libraries."""

    names: dict[str, Role] = field(default_factory=dict)

    def bind(self, module: str, local: str, imported: str | None) -> None:
        """``imported`` is the exported name, or None for the module object itself."""
        if module == "jsonwebtoken":
            if imported in (None, "default"):
                self.names[local] = "jwt"
            elif imported == "sign":
                self.names[local] = "sign"
        elif module == "jose" or module.startswith("jose/"):
            if imported in (None, "default"):
                self.names[local] = "jose"
            elif imported == "SignJWT":
                self.names[local] = "SignJWT"
        elif module in _EXPORTS and imported in _EXPORTS[module]:
            self.names[local] = _EXPORTS[module][imported]

    def role(self, local: str) -> Role | None:
        return self.names.get(local)


def _module_of(f: JsFile, node: Node | None) -> str | None:
    """'jsonwebtoken' for ``require('jsonwebtoken')`` / ``await import('jsonwebtoken')``."""
    if node is None:
        return None
    node = unwrap(node, awaits=True)
    if node.type != "call_expression":
        return None
    callee = node.child_by_field_name("function")
    args = args_of(node)
    if callee is None or not args or args[0].type != "string":
        return None
    if callee.type == "import" or f.text(callee) == "require":
        return string_value(f.doc, args[0])
    return None


def _imports(f: JsFile) -> Imports:
    imports = Imports()
    for n in f.nodes("import_statement"):
        _import_statement(f, n, imports)
    for n in f.nodes("variable_declarator"):
        _required(f, n, imports)
    return imports


def _import_statement(f: JsFile, stmt: Node, imports: Imports) -> None:
    source = stmt.child_by_field_name("source")
    for clause in stmt.named_children:
        if clause.type == "import_require_clause":  # import jwt = require('jsonwebtoken')
            module = string_value(f.doc, clause.child_by_field_name("source"))
            ident = next((c for c in clause.named_children if c.type == "identifier"), None)
            if module and ident is not None:
                imports.bind(module, f.text(ident), None)
        if clause.type != "import_clause" or source is None:
            continue
        module = string_value(f.doc, source) or ""
        for part in clause.named_children:
            if part.type == "identifier":
                imports.bind(module, f.text(part), None)
            elif part.type == "namespace_import":
                for ident in part.named_children:
                    imports.bind(module, f.text(ident), None)
            elif part.type == "named_imports":
                for spec in part.named_children:
                    name = spec.child_by_field_name("name")
                    alias = spec.child_by_field_name("alias")
                    if name is not None:
                        imports.bind(module, f.text(alias or name), f.text(name))


def _required(f: JsFile, decl: Node, imports: Imports) -> None:
    """``const jwt = require(..)``, ``const { sign: s } = require(..)``,
    ``const sign = require('jsonwebtoken').sign``."""
    name, value = decl.child_by_field_name("name"), decl.child_by_field_name("value")
    if name is None or value is None:
        return
    value = unwrap(value, awaits=True)
    if value.type == "member_expression":
        module = _module_of(f, value.child_by_field_name("object"))
        if module and name.type == "identifier":
            imports.bind(module, f.text(name), f.text(value.child_by_field_name("property")))
        return
    module = _module_of(f, value)
    if not module:
        return
    if name.type == "identifier":
        imports.bind(module, f.text(name), None)
    elif name.type == "object_pattern":
        for prop in name.named_children:
            if prop.type == "shorthand_property_identifier_pattern":
                imports.bind(module, f.text(prop), f.text(prop))
            elif prop.type == "pair_pattern":
                key, local = prop.child_by_field_name("key"), prop.child_by_field_name("value")
                if key is not None and local is not None and local.type == "identifier":
                    imports.bind(module, f.text(local), f.text(key))


def _library_object(f: JsFile, node: Node | None, imports: Imports) -> Role | None:
    """The role of the object in ``<obj>.sign`` / ``new <obj>.SignJWT``."""
    if node is None:
        return None
    node = unwrap(node)
    if node.type == "identifier":
        role = imports.role(f.text(node))
        if role is None and f.text(node) in ("jwt", "jsonwebtoken") and \
                f.scope.binding(f.text(node), node) is None:
            return "jwt"  # a snippet that leaves out its require('jsonwebtoken')
        return role
    prop = node.child_by_field_name("property") if node.type == "member_expression" else None
    if prop is not None and f.text(prop) == "default":
        return _library_object(f, node.child_by_field_name("object"), imports)
    module = _module_of(f, node)
    if module in _EXPORTS:
        return _EXPORTS[module][None]
    return "jwt" if module == "jsonwebtoken" else "jose" if module == "jose" else None


def _is_jwt_sign(f: JsFile, call: Node, imports: Imports) -> bool:
    callee = call.child_by_field_name("function")
    if callee is None:
        return False
    callee = unwrap(callee)
    if callee.type == "identifier":
        return imports.role(f.text(callee)) == "sign"
    return callee.type == "member_expression" and \
        f.text(callee.child_by_field_name("property")) == "sign" and \
        _library_object(f, callee.child_by_field_name("object"), imports) == "jwt"


def _calls(f: JsFile, call: Node, imports: Imports, library: Role, method: str) -> bool:
    """``<library>.<method>(...)``, or ``<method>(...)`` imported by name from the library."""
    callee = call.child_by_field_name("function")
    if callee is None:
        return False
    callee = unwrap(callee)
    if callee.type == "identifier":
        return imports.role(f.text(callee)) == method
    return callee.type == "member_expression" and \
        f.text(callee.child_by_field_name("property")) == method and \
        _library_object(f, callee.child_by_field_name("object"), imports) == library


def _is_kjur(f: JsFile, node: Node, imports: Imports) -> bool:
    """jsrsasign's ``KJUR`` namespace: imported, ``rs.KJUR``, or the global of a page that
    loads jsrsasign with a script tag."""
    node = unwrap(node)
    if node.type == "identifier":
        name = f.text(node)
        role = imports.role(name)
        return role == "KJUR" or (role is None and name == "KJUR" and
                                  f.scope.binding(name, node) is None)
    return node.type == "member_expression" and \
        f.text(node.child_by_field_name("property")) == "KJUR" and \
        _library_object(f, node.child_by_field_name("object"), imports) == "jsrsasign"


def _is_jws_sign(f: JsFile, call: Node, imports: Imports) -> bool:
    """``KJUR.jws.JWS.sign(...)``."""
    node = call.child_by_field_name("function")
    for name in ("sign", "JWS", "jws"):
        if node is None:
            return False
        node = unwrap(node)
        if node.type != "member_expression" or \
                f.text(node.child_by_field_name("property")) != name:
            return False
        node = node.child_by_field_name("object")
    return node is not None and _is_kjur(f, node, imports)


def _is_sign_jwt(f: JsFile, new: Node, imports: Imports) -> bool:
    ctor = new.child_by_field_name("constructor")
    if ctor is None:
        return False
    if ctor.type == "identifier":
        return imports.role(f.text(ctor)) == "SignJWT"
    return ctor.type == "member_expression" and \
        f.text(ctor.child_by_field_name("property")) == "SignJWT" and \
        _library_object(f, ctor.child_by_field_name("object"), imports) == "jose"


def _find(f: JsFile) -> list[Parts]:
    imports = _imports(f)
    found: list[Parts] = []
    text = f.src.text
    simple, njwt, kjur = "jwt-simple" in text, "njwt" in text, "KJUR" in text
    for n in f.nodes("call_expression"):
        if _is_jwt_sign(f, n, imports):
            found.append(read_sign(f, n))
        elif simple and _calls(f, n, imports, "jwt-simple", "encode"):
            found.append(js_jwt_simple.read_encode(f, n))
        elif njwt and _calls(f, n, imports, "njwt", "create"):
            found.append(js_njwt.read_create(f, n))
        elif kjur and _is_jws_sign(f, n, imports):
            found.append(js_jsrsasign.read_jws_sign(f, n))
    for n in f.nodes("new_expression"):
        if _is_sign_jwt(f, n, imports):
            found.append(js_jose.read_sign_jwt(f, n))
    found += js_webcrypto.webcrypto(f)
    return found


def extract(src: Source) -> Found:
    found = Found()
    if not any(word in src.text for word in _WORTH_PARSING):
        return found
    grammar = src.language if src.language in ("javascript", "typescript", "tsx") else "javascript"
    doc = Doc.parse(grammar, src.data)
    if doc.root.has_error:
        found.syntax_error(src, doc.first_error())
    f = JsFile(src, grammar, doc)
    parts = _find(f)
    if parts:  # file-wide facts only when there is something to describe
        site = Site(f)
        found.browser = site.browser
        found.signers += [replace(signer(site, p), route=routes.of(src.path, doc, p.call.start_byte)) for p in parts]
    return found
