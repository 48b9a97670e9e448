"""The per-file dispatcher: which extractors a file goes through, and the checks before them.

``extract(src)`` runs every extractor that applies to a file and never raises: an extractor
bug becomes a FileError for that file and the scan goes on.
"""

from __future__ import annotations

import dataclasses
import importlib
import re
from collections.abc import Callable

from migrate import lang
from migrate.extract import flows, treesitter
from migrate.extract.base import Found, Source, runs_in_browser
from migrate.model import FileError, FileFacts, Marker

# Libraries the signer extractors recognise (each language package lists its own).
LIBRARIES = lang.libraries()


def _plan(source_language: str) -> tuple[str, ...]:
    """The extractor modules (each with ``extract(src) -> Found``) a code file goes through."""
    record = lang.of(source_language)
    if record is None:
        return ()
    shared = ("migrate.extract.widgets",) if record.widgets else \
        ("migrate.extract.pages",) if record.pages else ()
    return (*shared, f"{record.package}.signers")


# A second, per-extractor prefilter on the decoded text: a file that mentions a JWT only to
# verify one, or a page without a script, is not parsed by the extractor that cannot use it.
_GATES: dict[str, tuple[str, ...]] = {
    **{f"{record.package}.signers": record.gate for record in lang.all_languages() if record.gate},
    "migrate.extract.widgets": ("zE", "zopim", "zdassets", "endesk", "ININ", "enesys", "CXBus", "purecloud",
                                "pure.cloud", "webchat", "signeddata", "ecret", "ECRET"),
    # script elements, Liferay <aui:script>, and JSP scriptlets that sign (see java._RELEVANT)
    "migrate.extract.pages": ("<script", "<SCRIPT", "<Script", "aui:script", "Jwts", "JWT.create", "SignedJWT",
                              "JWSObject"),
}


def _label(module: str) -> str:
    """migrate.lang.javascript.signers -> "javascript signer"; migrate.extract.pages -> "pages"."""
    parts = module.split(".")
    return f"{parts[-2]} signer" if parts[-1] == "signers" else parts[-1]


def _extractor(module: str) -> Callable[[Source], Found]:
    return importlib.import_module(module).extract


# Shapes no real source has that send parsers into deep recursion, exponential ambiguity or
# gigabytes (1,500 nested brackets, `a<` 25,000 times, 60 KB of `<!--`, 10,000 unary minus
# signs): the file is skipped, with the reason, before a parser sees it.
MAX_NESTING = 256
MAX_OPEN_ANGLES = 512
MAX_PREFIX_RUN = 1000
MAX_LINE = 256 * 1024  # back-end code (scripts and pages may be minified onto one line)
_PREFIX_RUN = re.compile(rf"[-+~!](?:[ \t]*[-+~!]){{{MAX_PREFIX_RUN - 1}}}")
_LONG_LINE = re.compile(rf"[^\n]{{{MAX_LINE}}}")


def _depth(text: str) -> int:
    """The deepest nesting of (), [] and {} (closers without an opener do not count)."""
    kept = re.sub(r"[^()\[\]{}]+", "", text)
    depth = deepest = 0
    for ch in kept:
        if ch in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif depth:
            depth -= 1
    return deepest


def pathological(text: str, language: str) -> str | None:
    """Why a parser must not see this text, or None.  Cheap: a few passes at C speed."""
    # Python's extractor reads nesting CPython refuses statement by statement (and reports it).
    if language != "python" and text.count("(") + text.count("[") + text.count("{") > MAX_NESTING:
        deepest = _depth(text)
        if deepest > MAX_NESTING:
            return f"brackets nested {deepest} deep (over {MAX_NESTING}): too deep to analyse; skipped"
    if text.count("<") > MAX_OPEN_ANGLES:
        for number, line in enumerate(text.split("\n"), 1):
            opened = line.count("<") - line.count(">")
            if opened > MAX_OPEN_ANGLES and opened * 20 > len(line):
                return (f"line {number} opens {opened} angle brackets or tags it never closes: too deep to analyse; "
                        "skipped")
    if _PREFIX_RUN.search(text):
        return f"a run of more than {MAX_PREFIX_RUN} operator signs: too deep to analyse; skipped"
    browser = language.startswith("page:") or language in ("javascript", "typescript", "tsx", "php")
    if not browser and len(text) >= MAX_LINE and (m := _LONG_LINE.search(text)):
        number = text.count("\n", 0, m.start()) + 1
        return f"line {number} is over {MAX_LINE // 1024} KB long: not source to analyse; skipped"
    return None


def _wanted(module: str, text: str) -> bool:
    gate = _GATES.get(module)
    return gate is None or any(word in text for word in gate)


# What every signer extractor uses, whatever its language.
_SHARED = ("migrate.extract.signer", "migrate.extract.values", "migrate.extract.traits", "migrate.extract.treesitter")


def prepare() -> None:
    """Load what every language's analysis shares (the scan calls this while its walk runs)."""
    for module in _SHARED:
        importlib.import_module(module)


def warm(language: str) -> None:
    """Load what analysing a file of this language takes (modules, grammars, compiled queries)
    by analysing the words that open its extractors' gates: worker processes forked afterwards
    start with it all loaded, paid for once."""
    plan = ("migrate.extract.pages",) if language.startswith("page:") else _plan(language)
    extract(Source.of("warm", language, "\n".join(word for module in plan for word in _GATES.get(module, ()))))


def extract(src: Source) -> FileFacts:
    plan = ("migrate.extract.pages",) if src.language.startswith("page:") else _plan(src.language)
    plan = tuple(module for module in plan if _wanted(module, src.text))
    # Only what a parser will see needs the check (most candidates mention a JWT to verify one).
    problem = pathological(src.text, src.language) if plan else None
    if problem is not None:
        return Found(errors=[FileError(src.path, problem)]).freeze(src, parsed=False)
    treesitter.vetted(src.data)  # checked: its parses need not check again
    found = Found()
    for module in plan:
        try:
            found.merge(_extractor(module)(src))
        except RecursionError:
            found.errors.append(FileError(src.path, "too deeply nested to analyse; skipped"))
        except treesitter.TooDeep as exc:  # a script inside a page, say
            found.errors.append(FileError(src.path, f"{exc}"))
        except Exception as exc:  # one extractor's bug must not stop the scan
            found.errors.append(FileError(
                src.path, f"internal error in the {_label(module)} extractor ({type(exc).__name__}: {exc}); "
                "please report it with this file"))
    if src.language.startswith("page:"):
        found.browser = True
    elif src.language in ("javascript", "typescript", "tsx"):
        found.browser = runs_in_browser(src.text, page=False)
    if found.signers:
        signers, logged = flows.judge(src.text, tuple(found.signers))
        found.signers, found.markers = list(signers), found.markers + logged
    if not src.language.startswith("page:"):
        found.markers += flows.callers(src.text)  # for signing helpers in other files
    facts = found.freeze(src)
    if "migrate:" in src.text:
        facts = dataclasses.replace(facts, suppressions=suppressions(src.text))
    if "TODO(migrate:" in src.text or ("GENESYS_OIDC_" in src.text and "openid-configuration" in src.text):
        facts = dataclasses.replace(facts, markers=facts.markers + generated_markers(src.text))
    return facts


_TODO = re.compile(r"TODO\(migrate:(ZG\d{3})\)[:\s]*(.*)")
# What closes a comment on the TODO's own line (/* */, <!-- -->, <%# %>, {# #}).
_CLOSER = re.compile(r"\s*(?:\*/|-->|%>|#\}|\*\}\})\s*$")


# Comment openers whose comment may go on, under the TODO, as lines of the same kind.
_GOES_ON = {"//": "//", "#": "#", "--": "--", "'": "'", "/*": "*", "*": "*"}


def todos(text: str) -> list[tuple[int, int, str, str]]:
    """Each `TODO(migrate:ZGxxx)` in a text: (line, column, rule, what it says).  What it says
    goes on over the comment lines right under it, at its indentation, that are prose (a line
    indented further inside the comment quotes code, and ends it)."""
    lines = text.split("\n")
    out = []
    for index, line in enumerate(lines):
        m = _TODO.search(line)
        if not m:
            continue
        said = m.group(2)
        head = line[:m.start()]
        indent, opener = head[:len(head) - len(head.lstrip())], head.strip()
        marker = _GOES_ON.get(opener)
        closed = _CLOSER.search(said) is not None
        for after in lines[index + 1:index + 6]:
            if marker is None or closed or not after.startswith(indent + marker + " "):
                break
            rest = after[len(indent) + len(marker) + 1:]
            if not rest or rest[0].isspace() or "TODO(" in rest:
                break
            said += " " + rest
            closed = _CLOSER.search(rest) is not None
        out.append((index + 1, m.start() + 1, m.group(1), _CLOSER.sub("", said).strip()))
    return out


def generated_markers(text: str) -> tuple[Marker, ...]:
    """What `migrate generate` left in a file: each open `TODO(migrate:ZGxxx)` (kind ``todo``,
    text "ZGxxx<TAB>what it says"), and ``genesys-oidc-provider`` on the provider it wrote (its
    settings are GENESYS_OIDC_* variables and it serves a discovery document)."""
    out = [Marker("todo", line, column, f"{rule}\t{said[:300]}") for line, column, rule, said in todos(text)]
    if "GENESYS_OIDC_" in text and "openid-configuration" in text:
        out.append(Marker("genesys-oidc-provider", 1, 1))
    return tuple(out)


_IGNORE = re.compile(r"migrate:\s*ignore(?:\[([A-Za-z0-9_, -]*)\])?")


def suppressions(text: str) -> tuple[tuple[int, tuple[str, ...]], ...]:
    """`migrate: ignore[ZG201]` (or bare `migrate: ignore`) comments, by line."""
    out = []
    for number, line in enumerate(text.split("\n"), 1):
        m = _IGNORE.search(line)
        if m:
            ids = tuple(i.strip().upper() for i in (m.group(1) or "").split(",") if i.strip())
            out.append((number, ids))
    return tuple(out)
