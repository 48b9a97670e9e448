"""ASP.NET Core source edits: one C# file as text plus tree-sitter tree, its using directives,
and the project file's package references."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import tree_sitter as ts

from migrate.extract.treesitter import Doc, ancestors, parser, walk
from migrate.generate.changes import Edit, SourceFile, with_newlines
from migrate.generate.positions import byte_offset, char_offset
from migrate.lang.csharp import routes

PACKAGE = "System.IdentityModel.Tokens.Jwt"
PACKAGE_VERSION = "8.3.0"
# The provider's Redis client, for GENESYS_OIDC_STORE_URL (codes shared by every server process).
REDIS_PACKAGE = "StackExchange.Redis"
REDIS_PACKAGE_VERSION = "2.8.16"
# Packages the provider's package depends on: an older direct reference would be a NuGet
# downgrade (NU1605, an error by default), so they move up with it.
_SAME_FAMILY = re.compile(r"^Microsoft\.IdentityModel\.(Tokens|JsonWebTokens|Logging|Abstractions)$", re.I)
# The signing libraries' namespaces, and what (outside using directives and comments) still
# counts as a use of them. Broad on purpose: a directive stays when in doubt.
_SIGNING_USINGS = (
    (re.compile(r"^System\.IdentityModel\.Tokens\.Jwt$"), re.compile(r"Jwt|JsonClaimValueTypes|JsonExtensions")),
    (re.compile(r"^JWT(\.\w+)*$"),
     re.compile(r"Jwt|JWT|JsonWebToken|Algorithm|HeaderName|ClaimName|Serializer|DateTimeProvider|UrlEncoder|"
                r"Validat|Exception|Decoder|Encoder")),
    (re.compile(r"^Microsoft\.IdentityModel\.Tokens$"),
     re.compile(r"Security|Credentials|TokenValidation|Jwk|JsonWebKey|Crypto|Signature|Base64Url|EpochTime|"
                r"Algorithm|Encrypt|KeyWrap|Compression|Tokens\.")),
)


# --- one C# file: text, tree and positions ---------------------------------------------------------

class CsFile:
    def __init__(self, src: SourceFile):
        self.src = src
        self.data = src.data
        self.doc = Doc(self.data, parser("csharp").parse(self.data))

    @property
    def root(self) -> ts.Node:
        return self.doc.root

    @property
    def nl(self) -> str:
        return self.src.newline

    def text(self, node: ts.Node | None) -> str:
        return self.data[node.start_byte:node.end_byte].decode("utf-8", "surrogateescape") if node else ""

    def offset(self, byte: int) -> int:
        """Character offset of a byte offset."""
        return char_offset(self.data, byte)

    def byte_at(self, line: int, column: int) -> int:
        return byte_offset(self.src.text, line, column)

    def node_at(self, line: int, column: int) -> ts.Node:
        at = self.byte_at(line, column)
        return self.root.descendant_for_byte_range(at, at + 1)

    def line_start(self, char: int) -> int:
        return self.src.text.rfind("\n", 0, char) + 1

    def line_end(self, char: int) -> int:
        """Offset just after the newline ending the line holding `char` (or the end of the text)."""
        nl = self.src.text.find("\n", char)
        return len(self.src.text) if nl < 0 else nl + 1

    def indent(self, node: ts.Node) -> str:
        start = self.offset(node.start_byte)
        lead = self.src.text[self.line_start(start):start]
        return lead if not lead.strip() else re.match(r"[ \t]*", lead).group()  # type: ignore[union-attr]

    def whole_lines(self, first: ts.Node, last: ts.Node) -> tuple[int, int]:
        """[start, end) of the lines from `first` to `last` when nothing else shares them (a trailing
        comment after `last` goes too), else just the nodes."""
        start, end = self.offset(first.start_byte), self.offset(last.end_byte)
        text = self.src.text
        ls = self.line_start(start)
        if not text[ls:start].strip():
            start = ls
        le = self.line_end(end)
        rest = text[end:le].strip()
        if not rest or rest.startswith("//"):
            end = le
        return start, end

    def edit(self, start: int, end: int, text: str) -> Edit:
        return Edit(start, end, with_newlines(text, self.nl))


def statement_of(node: ts.Node) -> ts.Node | None:
    for n in (node, *ancestors(node)):
        if n.type in ("expression_statement", "local_declaration_statement"):
            return n
    return None


def calls(f: CsFile, receiver: str, names: Iterable[str]) -> Iterator[ts.Node]:
    """`receiver.Name(...)` invocations."""
    wanted = set(names)
    for n in walk(f.root):
        if n.type != "invocation_expression":
            continue
        fn = n.child_by_field_name("function")
        if fn is not None and fn.type == "member_access_expression" and \
                f.text(fn.child_by_field_name("name")) in wanted and \
                f.text(fn.child_by_field_name("expression")) == receiver:
            yield n


def declared_name(f: CsFile, value: ts.Node) -> str | None:
    """`var name = <value>` -> name."""
    parent = value.parent
    if parent is not None and parent.type == "variable_declarator":
        return f.text(parent.child_by_field_name("name")) or None
    return None


def attributes(f: CsFile, node: ts.Node) -> Iterator[tuple[str, ts.Node]]:
    return routes.attributes(f, node)


def attribute_args(f: CsFile, attr: ts.Node) -> list[tuple[str | None, ts.Node]]:
    return routes.attribute_args(f, attr)


def csharp_string(value: str) -> str:
    return json.dumps(value)


def indented(text: str, indent: str) -> str:
    return "\n".join(indent + line if line else line for line in text.split("\n"))


def using_edits(f: CsFile, namespaces: Iterable[str]) -> list[Edit]:
    """`using X;` for each namespace the file lacks, in the file's using block."""
    usings = [n for n in f.root.named_children if n.type == "using_directive"]
    have = {re.sub(r"\s+", "", f.text(u))[len("using"):-1] for u in usings}
    wanted = [n for n in dict.fromkeys(namespaces) if n not in have]
    if not wanted:
        return []
    plain = [u for u in usings if re.fullmatch(r"using\s+[\w.]+\s*;", f.text(u))]

    def key(ns: str) -> tuple:
        return (ns != "System" and not ns.startswith("System."), ns)

    names = [re.sub(r"\s+", "", f.text(u))[len("using"):-1] for u in plain]
    sorted_block = names == sorted(names, key=key) and len(plain) == len(usings)
    inserts: dict[int, list[str]] = {}
    for ns in sorted(wanted, key=key):
        if usings and sorted_block:
            after = next((u for u, n in zip(plain, names) if key(n) > key(ns)), None)
            at = f.line_start(f.offset(after.start_byte)) if after is not None \
                else f.line_end(f.offset(usings[-1].end_byte))
            inserts.setdefault(at, []).append(f"using {ns};\n")
        elif usings:
            inserts.setdefault(f.line_end(f.offset(usings[-1].end_byte)), []).append(f"using {ns};\n")
        else:
            first = next((n for n in f.root.named_children if n.type != "comment"), None)
            at = f.line_start(f.offset(first.start_byte)) if first is not None else len(f.src.text)
            inserts.setdefault(at, []).append(f"using {ns};\n")
    out = []
    for at, lines in inserts.items():
        text = "".join(lines)
        if at == len(f.src.text) and f.src.text and not f.src.text.endswith("\n"):
            text = "\n" + text
        if not usings:
            text += "\n"
        out.append(f.edit(at, at, text))
    return out


def _code(text: str) -> str:
    """The text without comments and using directives."""
    code = re.sub(r"//[^\n]*|/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"^[ \t]*(global\s+)?using\s+[^;(]+;[ \t]*$", "", code, flags=re.M)


def drop_unused_usings(before: str, after: str) -> str:
    """`after` without the signing libraries' using directives that the edits left unused (what
    `before` already did not use is not this change's business)."""
    old, new = _code(before), _code(after)
    out = after
    for m in reversed(list(re.finditer(r"^[ \t]*using\s+([\w.]+)\s*;[ \t]*\r?\n", after, re.M))):
        uses = next((uses for names, uses in _SIGNING_USINGS if names.match(m.group(1))), None)
        if uses is not None and uses.search(old) and not uses.search(new):
            out = out[:m.start()] + out[m.end():]
    return out


def project_file(root: Path, rel_dir: str) -> str | None:
    """The .csproj in rel_dir, or in the closest parent folder that has one."""
    parts = rel_dir.split("/") if rel_dir else []
    while True:
        d = root.joinpath(*parts)
        found = sorted(p.relative_to(root).as_posix() for p in d.glob("*.csproj") if p.is_file())
        if found:
            return found[0]
        if not parts:
            return None
        parts.pop()


def _version(v: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", v.split("-")[0])[:4])


def project_with_package(text: str) -> str | None:
    """The project file with PackageReferences to System.IdentityModel.Tokens.Jwt and
    StackExchange.Redis (None: both already there).

    Older direct references to the Microsoft.IdentityModel packages the first depends on move up
    to the same version. Indentation and line endings follow the file."""
    nl = "\r\n" if "\r\n" in text else "\n"
    body = text.replace("\r\n", "\n")
    wanted = [(name, version) for name, version in ((PACKAGE, PACKAGE_VERSION), (REDIS_PACKAGE, REDIS_PACKAGE_VERSION))
              if not re.search(rf"<PackageReference\s[^>]*Include\s*=\s*\"{re.escape(name)}\"", body, re.I)]
    if not wanted:
        return None

    def bump(m: re.Match) -> str:
        if _SAME_FAMILY.match(m.group(2)) and _version(m.group(4)) < _version(PACKAGE_VERSION):
            return f"{m.group(1)}{m.group(3)}{PACKAGE_VERSION}{m.group(5)}"
        return m.group(0)

    if (PACKAGE, PACKAGE_VERSION) in wanted:
        body = re.sub(r"(<PackageReference\s[^>]*Include\s*=\s*\"([^\"]+)\"[^>]*?)(Version\s*=\s*\")([^\"]+)(\")",
                      bump, body)
    refs = list(re.finditer(r"^([ \t]*)<PackageReference\b[^>]*?(/>|>.*?</PackageReference>)[ \t]*\n",
                            body, re.M | re.S))
    if refs:
        last = refs[-1]
        lines = "".join(f"{last.group(1)}<PackageReference Include=\"{name}\" Version=\"{version}\" />\n"
                        for name, version in wanted)
        body = body[:last.end()] + lines + body[last.end():]
    else:
        close = body.rfind("</Project>")
        if close < 0:
            return None
        unit = re.search(r"^([ \t]+)<", body, re.M)
        ind = unit.group(1) if unit else "  "
        group = f"{ind}<ItemGroup>\n" + "".join(
            f"{ind}{ind}<PackageReference Include=\"{name}\" Version=\"{version}\" />\n" for name, version in wanted) \
            + f"{ind}</ItemGroup>\n"
        prefix = body[:close]
        if re.search(r"\n[ \t]*\n$", prefix):  # the file separates its groups by a blank line
            group += "\n"
        body = prefix + group + body[close:]
    return body.replace("\n", nl) if nl != "\n" else body


def project_without_package(text: str, package: str) -> str | None:
    """The project file without its PackageReference to `package` (None: there is none)."""
    rx = re.compile(rf"^[ \t]*<PackageReference\s[^>]*Include\s*=\s*\"{re.escape(package)}\"[^>]*?"
                    rf"(/>|>.*?</PackageReference>)[ \t]*\r?\n", re.M | re.S | re.I)
    out, count = rx.subn("", text, count=1)
    if not count:
        return None
    # An item group left empty goes too.
    return re.sub(r"^[ \t]*<ItemGroup>\s*</ItemGroup>[ \t]*\r?\n", "", out, flags=re.M)
