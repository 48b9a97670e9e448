"""Which local names stand for a signing library: `import`, `require`, destructuring, and
`require('x').sign`.  Each library module says what it exports (``EXPORTS``); the names it
finds here are what its ``find`` looks for.

A role is the library's name for the module object (``"jsonwebtoken"``) and
``"<library>.<export>"`` for a name imported from it (``"jsonwebtoken.sign"``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from types import ModuleType

from tree_sitter import Node

from migrate.extract.treesitter import string_value
from migrate.lang.javascript.scope import args_of, unwrap
from migrate.lang.javascript.values import JsFile


@dataclass
class Imports:
    """Local names bound to the signing libraries, from the libraries' ``EXPORTS`` tables
    (module -> exported name, None for the module itself -> role)."""

    exports: dict[str, dict[str | None, str]]
    globals: dict[str, str]  # names a page or snippet uses without binding them
    names: dict[str, str] = field(default_factory=dict)
    _written: dict[tuple[str, int], tuple[bytes, ...]] = field(default_factory=dict)

    def written(self, role: str, method: str) -> tuple[bytes, ...]:
        """What a call of ``role`` (``jsonwebtoken.sign``) writes at least one of: the method's
        name, or a local name (or global) bound to it; () when that cannot be told."""
        key = (role, len(self.names))
        found = self._written.get(key)
        if found is None:
            names = [method, *(name for table in (self.names, self.globals)
                               for name, bound in table.items() if bound == role)]
            # a name read from bytes that are not UTF-8 is not written as its text encodes
            found = () if any("\ufffd" in n for n in names) else tuple(n.encode("utf-8") for n in names)
            self._written[key] = found
        return found

    def table(self, module: str) -> dict[str | None, str] | None:
        # `jose/jwt/sign` is part of `jose`
        return self.exports.get(module) or self.exports.get(module.split("/")[0])

    def bind(self, module: str, local: str, imported: str | None) -> None:
        """``imported`` is the exported name, or None for the module object itself."""
        table = self.table(module)
        if table is None:
            return
        role = table.get(imported) or (table.get(None) if imported == "default" else None)
        if role is not None:
            self.names[local] = role

    def role(self, f: JsFile, node: Node) -> str | None:
        """The role of an identifier: bound here, or a library global nothing shadows."""
        name = f.text(node)
        role = self.names.get(name)
        if role is None and name in self.globals and f.binding(name, node) is None:
            return self.globals[name]
        return role


def collect(f: JsFile, libraries: Iterable[ModuleType]) -> Imports:
    exports: dict[str, dict[str | None, str]] = {}
    names: dict[str, str] = {}
    for lib in libraries:
        exports.update(getattr(lib, "EXPORTS", {}))
        names.update(getattr(lib, "GLOBALS", {}))
    imports = Imports(exports, names)
    for n in f.nodes_writing("import_statement", (b"import",)):
        _import_statement(f, n, imports)
    for n in f.nodes_writing("variable_declarator", (b"require", b"import")):  # what names a module
        _required(f, n, imports)
    return imports


def module_of(f: JsFile, node: Node | None) -> str | None:
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
    data, start, end = f.doc.data, decl.start_byte, decl.end_byte
    if data.find(b"require", start, end) < 0 and data.find(b"import", start, end) < 0:
        return  # no module is named in it
    name, value = decl.child_by_field_name("name"), decl.child_by_field_name("value")
    if name is None or value is None:
        return
    value = unwrap(value, awaits=True)
    if value.type == "member_expression":
        module = module_of(f, value.child_by_field_name("object"))
        if module and name.type == "identifier":
            imports.bind(module, f.text(name), f.text(value.child_by_field_name("property")))
        return
    module = module_of(f, value)
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


def library_object(f: JsFile, node: Node | None, imports: Imports) -> str | None:
    """The role of the object in ``<obj>.sign`` / ``new <obj>.SignJWT`` / ``rs.KJUR``."""
    if node is None:
        return None
    node = unwrap(node)
    if node.type == "identifier":
        return imports.role(f, node)
    prop = node.child_by_field_name("property") if node.type == "member_expression" else None
    if prop is not None and f.text(prop) == "default":
        return library_object(f, node.child_by_field_name("object"), imports)
    module = module_of(f, node)
    table = imports.table(module) if module else None
    return table.get(None) if table else None


def calls(f: JsFile, call: Node, imports: Imports, library: str, method: str) -> bool:
    """``<library>.<method>(...)``, or ``<method>(...)`` imported by name from the library."""
    data, start, end = f.doc.data, call.start_byte, call.end_byte
    words = imports.written(f"{library}.{method}", method)
    if words and not any(data.find(word, start, end) >= 0 for word in words):
        return False  # most calls of a file write neither the method nor a name bound to it
    callee = call.child_by_field_name("function") if call.type == "call_expression" else \
        call.child_by_field_name("constructor")
    if callee is None:
        return False
    callee = unwrap(callee)
    if callee.type == "identifier":
        return imports.role(f, callee) == f"{library}.{method}"
    return callee.type == "member_expression" and \
        f.text(callee.child_by_field_name("property")) == method and \
        library_object(f, callee.child_by_field_name("object"), imports) == library
