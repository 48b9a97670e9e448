"""What a signer is judged by, read the same way in every language from the text of the piece
of the file that signs (its function, route or method; ``Signer.span``): the words that tell
its purpose, which claims come straight from the request, and whether the token is logged.

Extractors find the signing call and its claims; this module looks at what surrounds it.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import re

from migrate.extract.base import FileText
from migrate.model import Expr, Marker, Signer

# Request input in the web frameworks scan reads: a body, a query, a form, a posted credential.
_INPUT = (
    r"(?:\breq(?:uest)?\.(?:(?:body|query|params|form|args|values|POST|GET|data|query_params)\b|"
    r"(?:json|formData|get_json)\s*\()|\bevent\.body\b|\bsearchParams\.get\s*\(|"
    r"\$_(?:POST|GET|REQUEST)\b|\bparams\[|\bparams\.(?:require|permit|fetch)\b|"
    r"\$request->(?:input|get|post|query|all|json)\s*\(|\b(?:Post)?FormValue\s*\(|\bgetParameter\s*\(|"
    r"\bctx\.request\.body\b|\bctx\.query\b|\bc\.(?:PostForm|Query|Param)\s*\(|\bRequest\.(?:Form|Query)\[|"
    r"\bcredentials\.)"
)
# The lookahead names the first character of every alternative: the engine then skips the
# positions where none can start, about six times faster on a whole file.
_INPUT_RX = re.compile(r"(?=[rRespPFgc$])" + _INPUT)
_INPUT_AT = re.compile(_INPUT)
# A literal every alternative of _INPUT starts with (at the match, or after `Post`): the
# places where an input can start are found at memchr speed, and the regex runs only there.
_INPUT_LITERALS = ("req", "event.body", "searchParams", "$_", "params", "$request->", "FormValue",
                   "getParameter", "ctx.", "c.PostForm", "c.Query", "c.Param", "Request.", "credentials.")


def _starts(text: str, literals: tuple[tuple[str, int], ...]) -> list[int]:
    """Where a match can start: each place a literal is written, less its offset in the match."""
    starts: set[int] = set()
    for literal, back in literals:
        at = text.find(literal)
        while at >= 0:
            if at >= back:
                starts.add(at - back)
            at = text.find(literal, at + 1)
    return sorted(starts)


def _inputs(text: str, first: bool = False) -> list[re.Match[str]]:
    """``_INPUT_RX.finditer(text)`` (its first match only, when ``first``), without trying the
    regex at every position."""
    out: list[re.Match[str]] = []
    end = 0
    for at in _starts(text, _INPUT_STARTS):
        if at >= end and (m := _INPUT_AT.match(text, at)) is not None:
            out.append(m)
            if first:
                break
            end = m.end()
    return out


_INPUT_STARTS = tuple((literal, 0) for literal in _INPUT_LITERALS) + (("FormValue", 4),)  # PostFormValue
# `const json = await request.json()`, `const { email } = req.body`, `data = request.get_json()`
_BOUND_BEFORE = re.compile(r"(\{[^{}=]*\}|\$?[A-Za-z_]\w*)\s*:?=\s*(?:await\s+)?(?:JSON\.parse\s*\(\s*)?$")
# Parameters the framework fills from the request (`[FromBody] TokenRequest body`,
# `@RequestParam String email`) and Go values decoded from it (`Decode(&body)`, `c.ShouldBindJSON(&req)`).
_BOUND_PARAMETER = re.compile(
    r"(?:\[From(?:Body|Form|Query|Route)\b[^\]]*\]|"
    r"@(?:RequestBody|RequestParam|PathVariable|ModelAttribute|QueryParam|FormParam|PathParam)\b"
    r"(?:\s*\([^)]*\))?)"
    r"\s*(?:@\w+(?:\s*\([^)]*\))?\s+|final\s+)*[\w.?\[\]]+(?:<[^<>()]*>)?\??\s+(\w+)")
_DECODED = re.compile(r"(?:\.Body\s*\)\s*\.Decode|\.(?:ShouldBind|Bind)\w*)\s*\(\s*&\s*(\w+)")
# One of these is written in every match of _BOUND_PARAMETER.
_BOUND_PARAMETER_WORDS = ("[From", "@RequestBody", "@RequestParam", "@PathVariable", "@ModelAttribute",
                          "@QueryParam", "@FormParam", "@PathParam")


def _bound_parameters(text: str) -> list[re.Match[str]]:
    if not any(word in text for word in _BOUND_PARAMETER_WORDS):
        return []
    return list(_BOUND_PARAMETER.finditer(text))
_NAME = re.compile(r"[A-Za-z_]\w*")
_RECEIVER = re.compile(r"\$?([A-Za-z_]\w*)\s*(?:\.|->)\s*\w+\s*\(")
_DEFINITION = re.compile(r"^\s*(?:(?:export|public|private|protected|static|async|final|abstract|default)\s+)*"
                         r"(?:function|def|class|func|fn)\b")
_IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*")
_WORD_CHAR = re.compile(r"[\w$]")
# Calls that write to a console or a log, in any of the languages.
_LOG = re.compile(
    r"(?:\bconsole\.(?:log|info|debug|warn|error)|"
    r"\b(?:logger|logging|log|Log|LOG|LOGGER|_logger|_log|slog)\s*(?:\.|->|::)\s*\w+|"
    r"[lL]ogger\(\)\s*\.\s*\w+|"  # get_logger().info(...), getLogger().warn(...)
    r"\bRails\.logger\.\w+|\bprint(?:ln|f)?|\bputs|\bpp|\berror_log|\bvar_dump|\bprint_r|\bfmt\.(?:Print|Fprint)\w*|"
    r"\bSystem\.(?:out|err)\.print\w*|\b(?:Console|Debug|Trace)\.Write\w*)\b\s*\(?(?P<args>.*)$")
_LOGS = re.compile(r"(?=[clL_sRpevfSDT])" + _LOG.pattern, re.M)  # a log call anywhere in a file
# What every alternative of _LOG writes, with its offset from where the match starts.
_LOG_STARTS = (("console.", 0), ("log", 0), ("log", 1), ("Log", 0), ("LOG", 0), ("Rails.", 0), ("print", 0),
               ("puts", 0), ("pp", 0), ("error_log", 0), ("var_dump", 0), ("fmt.", 0), ("System.", 0),
               ("Console.", 0), ("Debug.", 0), ("Trace.", 0))


def _logs(text: str) -> bool:
    """``_LOGS.search(text) is not None``, the regex tried only where a log call can start."""
    return any(_LOGS.match(text, at) is not None for at in _starts(text, _LOG_STARTS))
# What the signed token is stored in: `const token = `, `token := `, `$jwt = `, `String jwt = `.
_STORED = re.compile(r"(\$?[A-Za-z_]\w*)\s*:?=\s*(?:await\s+)?(?:new\s+)?[\w.$:\\>-]*$")
_OPEN_ASSIGNMENT = re.compile(r"(?:[^=!<>]=|\bawait)\s*$")
# An assignment on a later line: `signed, err := token.SignedString(key)`, `String s = jwt.serialize();`
_ASSIGNED = re.compile(r"^\s*(?P<lhs>[^=()\"'`]*?[\w$])\s*:?=(?![=>])\s*(?P<rhs>.*)$")
# How a token object becomes the token text (Go's SignedString, Nimbus serialize, .NET WriteToken...).
_FINISH = r"\s*(?:\.|->)\s*(?:SignedString|compact|serialize|Serialize|sign|Sign|encode|Encode)\s*\("
# String literals in a logging call; only what they interpolate (`${token}`, `#{token}`, `{token}`,
# `"$jwt"`) can name the token.
_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|`(?:[^`\\]|\\.)*`')
_INTERPOLATED = re.compile(r"\$\{[^}]*\}|#\{[^}]*\}|\{[^}]*\}|\$[A-Za-z_]\w*")
# Words in a parameter declaration that are not its name.
_NOT_PARAMETER = frozenset({"final", "const", "ref", "out", "in", "params", "this", "readonly", "var", "let",
                            "public", "private", "protected", "mut"})


def _bound_names(text: str) -> frozenset[str]:
    names: set[str] = set()
    for found in _inputs(text):  # what precedes an input: `const { email } = `
        line_start = text.rfind("\n", 0, found.start()) + 1
        m = _BOUND_BEFORE.search(text, max(line_start, found.start() - 200), found.start())
        if m is None:
            continue
        target = m.group(1)
        if target.startswith("{"):
            names.update(n for n in _NAME.findall(target.split(":")[-1] if ":" in target else target))
        else:
            names.add(target.lstrip("$"))
    names.update(m.group(1) for m in _bound_parameters(text))
    names.update(m.group(1) for m in _DECODED.finditer(text))
    return frozenset(names)


def _head(text: str) -> str | None:
    m = _NAME.match(text.lstrip().lstrip("$&*").removeprefix("await ").lstrip())
    return m.group(0) if m else None


def _is_input(text: str, names: frozenset[str]) -> bool:
    return _derives(text, set(names))


def _from_request(e: Expr, names: frozenset[str], parameters: frozenset[str],
                  looked_up: frozenset[str] = frozenset()) -> bool:
    final = e.final
    if _INPUT_RX.search(e.text) or _INPUT_RX.search(final.text):
        return True
    head = _head(final.text)  # a local name is judged by what it was last assigned
    if head is not None and (head in names or head in parameters):
        return True
    # The value derives from input: written out (`String((await find(user_id)).id)`) or through
    # a name defined from it in the signer's function (`String(user.id)`).
    def reads(text: str, derived: frozenset[str]) -> bool:
        return any(w in derived for w in _ROOTS.findall(_code(text)))
    return reads(e.text, looked_up) or reads(final.text, looked_up | names)


# A definition's left side: `const { id } = `, `user, err := `, `$user = `, `user = `.
_DEFINES = re.compile(r"^\s*(?:(?:const|let|var|val|final|my|auto)\s+)?(?P<lhs>\{[^{}=]*\}|\[[^\[\]=]*\]|"
                      r"\$?[A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s*(?::[^=\n]*)?\s*:?=(?![=>])\s*(?P<rhs>.*)$")
# Names an expression reads (not properties: `.id` is not the name `id`).
_ROOTS = re.compile(r"(?<![\w$.])\$?([A-Za-z_]\w*)")


def _code(text: str) -> str:
    """``text`` with string literals reduced to what they interpolate (`${user_id}`)."""
    return _STRING.sub(lambda m: " ".join(_INTERPOLATED.findall(m.group(0))), text)


# Keys of an object that name who someone is: an object built with a posted `locale` next to
# the session's id does not make its id posted.
_IDENTITY_KEY = re.compile(r"id$|Id$|ID$|email|mail|user|name|login|sub|external", re.I)


def _derives(rhs: str, tainted: set[str]) -> bool:
    """A value computed from request input (or from names that hold it)."""
    value = rhs.strip().rstrip(";").strip()
    if value.startswith("{") and _closing(value, 0) == len(value) - 1:
        for part in _split(value[1:-1]):
            key, colon, val = part.partition(":")
            key = key.strip().strip("'\"")
            if part.startswith("..."):
                key, val = "", part[3:]
            elif not colon:
                val = key
            if (not key or _IDENTITY_KEY.search(key)) and _derives(val, tainted):
                return True
        return False
    return bool(_INPUT_RX.search(rhs)) or bool(tainted.intersection(_ROOTS.findall(_code(rhs))))


def _looked_up(lines: list[str], first: int, last: int, names: frozenset[str]) -> frozenset[str]:
    """Names in the signer's own function whose value derives from request input: a user
    looked up by a posted id (`const { user_id } = req.body; ... const user = await
    find(user_id)`) is whoever the caller names."""
    tainted = set(names)
    number = first
    while number <= last:
        d = _DEFINES.match(lines[number - 1])
        number += 1
        if d is None:
            continue
        rhs = d.group("rhs")
        while _open(rhs) and number <= last:
            rhs += "\n" + lines[number - 1]
            number += 1
        lhs = d.group("lhs")
        if lhs[0] in "{[":
            defined = {n.split(":")[-1].strip() for n in _split(lhs[1:-1]) if n.strip()}
        else:
            defined = {_NAME.findall(lhs.lstrip("$"))[0]}
        if _derives(rhs, tainted):
            tainted |= defined
        else:
            tainted -= defined  # defined again from something else: `const email = req.user.email`
    return frozenset(tainted)


def _closing(text: str, start: int, limit: int = 4000) -> int:
    """Index of the bracket closing the one at ``start`` (or -1)."""
    depth, quote, i, end = 0, None, start, min(len(text), start + limit)
    while i < end:
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1  # an escaped character
            elif ch == quote:
                quote = None
        elif ch in "\"'`":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _split(inner: str) -> list[str]:
    """Top-level comma-separated parts (brackets and `<...>` generics kept whole)."""
    parts, depth, angle, start, quote = [], 0, 0, 0, None
    for i, ch in enumerate(inner):
        if quote:
            if ch == quote and inner[i - 1] != "\\":
                quote = None
        elif ch in "\"'`":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "<" and depth == 0:
            angle += 1
        elif ch == ">" and angle and inner[i - 1] not in "=-":
            angle -= 1
        elif ch == "," and depth == 0 and angle == 0:
            parts.append(inner[start:i])
            start = i + 1
    parts.append(inner[start:])
    return [p.strip() for p in parts if p.strip()]


def _parameter_names(declaration: str) -> set[str]:
    """The names a parameter declaration binds: `email`, `String email`, `email string`,
    `email: str = ""`, `string $email`, `[FromBody] TokenRequest body`, `{ email, name }`."""
    d = re.sub(r"\[[^\]]*\]|@\w+(?:\s*\([^)]*\))?", " ", declaration)  # attributes, annotations
    d = re.split(r"(?<![=!<>])=(?![=>])", d, maxsplit=1)[0].strip().lstrip(".*&")
    if d.startswith("{") or d.startswith("["):
        return {n for n in _NAME.findall(d) if n not in _NOT_PARAMETER}
    php = re.search(r"\$([A-Za-z_]\w*)", d)
    if php:
        return {php.group(1)}
    if ":" in d:
        d = d.split(":", 1)[0]
    words = [w for w in _NAME.findall(d) if w not in _NOT_PARAMETER]
    return {words[0], words[-1]} if words else set()


def _arguments(text: str, open_at: int) -> list[str] | None:
    close = _closing(text, open_at)
    return None if close < 0 else _split(text[open_at + 1:close])


def _declaration(text: str, starts: list[int], s: Signer) -> tuple[list[str], int, int] | None:
    """The parameter list of the signer's own function, and where that function is in ``text``
    (``starts`` holds where each line begins)."""
    name = s.function
    if s.span is None or not name or not _IDENTIFIER.fullmatch(name) or name not in text:
        return None
    first, last = s.span
    if not 0 < first <= len(starts):
        return None
    start = starts[first - 1]
    end = starts[last] if last < len(starts) else len(text)
    word = re.escape(name)
    declared = re.compile(rf"{word}\s*(?:(?::|=)\s*(?:async\s+)?(?:function\b\s*\w*\s*)?)?(?:<[^<>()]*>)?\s*\(")
    d = next((m for m in declared.finditer(text, start, end)
              if not (m.start() and _WORD_CHAR.match(text, m.start() - 1))), None)
    declaration = _arguments(text, d.end() - 1) if d is not None else None
    return (declaration, start, end) if declaration else None


def _request_parameters(text: str, starts: list[int], s: Signer, names: frozenset[str]) -> frozenset[str]:
    """Parameters of the signer's own function that a same-file caller fills with request
    input: `widgetToken(json.email, env)` makes `email` in `function widgetToken(email, env)`."""
    found_declaration = _declaration(text, starts, s)
    if found_declaration is None:
        return frozenset()
    declaration, start, end = found_declaration
    word = re.escape(s.function or "")
    by_name = {n: i for i, part in enumerate(declaration) for n in _parameter_names(part)}
    found: set[str] = set()
    receiver = declaration[0].split(":")[0].strip() in ("self", "cls")  # Python methods
    for call in re.finditer(rf"{word}\s*\(", text):  # a literal first: the regex engine skips ahead fast
        if start <= call.start() < end or (call.start() and _WORD_CHAR.match(text, call.start() - 1)):
            continue  # the declaration, the function calling itself, or a longer name
        shift = 1 if receiver and text[call.start() - 1:call.start()] == "." else 0
        for i, arg in enumerate(_arguments(text, call.end() - 1) or (), shift):
            keyword = re.match(r"(\w+)\s*(?::(?!:)|=(?![=>]))\s*(.*)$", arg, re.S)
            value = arg
            if keyword and keyword.group(1) in by_name:
                i, value = by_name[keyword.group(1)], keyword.group(2)
            if i < len(declaration) and _is_input(value, names):
                found.update(_parameter_names(declaration[i]))
    return frozenset(found)


def _token_names(lines: list[str], s: Signer, last: int) -> set[str]:
    """The variables that hold the signed token: the one the signing call is stored in
    (`const token = jwt.sign(...)`), or, when the call makes a token object, those later assigned
    its text in the same piece (`signed, err := token.SignedString(key)`, `String s = jwt.serialize();`,
    after `jwt.sign(signer);`)."""
    if not 0 < s.line <= len(lines):
        return set()
    line = lines[s.line - 1]
    before = line[max(s.column - 241, 0):max(s.column - 1, 0)]  # a minified line can be long
    m = _STORED.search(before)
    if m is None and not before.strip() and s.line > 1 and _OPEN_ASSIGNMENT.search(lines[s.line - 2]):
        m = _STORED.search(lines[s.line - 2].rstrip())  # `const token =` on the line above the call
    if m is not None:
        stored = m.group(1).lstrip("$")
    elif not before.strip() and (r := _RECEIVER.match(line, max(s.column - 1, 0))):
        stored = r.group(1)  # `jwt.sign(new MACSigner(secret));` signs the object in place
    else:
        return set()
    held = {stored}
    derived: set[str] = set()
    for number in range(s.line + 1, min(last, len(lines)) + 1):
        a = _ASSIGNED.match(lines[number - 1])
        if a is None:
            continue
        rhs = a.group("rhs")
        if any(re.search(rf"(?<![\w$])\$?{re.escape(n)}{_FINISH}", rhs)
               or re.search(rf"\bWriteToken\s*\(\s*\$?{re.escape(n)}\b", rhs) for n in held):
            target = _NAME.findall(a.group("lhs").split(",")[0].replace("$", ""))
            if target:
                held.add(target[-1])
                derived.add(target[-1])
    names = derived or ({stored} if m is not None else set())  # a token object's text is what matters
    return names | _aliases(lines, names, s.line + 1, min(last, len(lines)))


def _aliases(lines: list[str], names: set[str], first: int, last: int) -> set[str]:
    """Names that hold the token too: `var payload = token;`, or a string built around it
    (`` const jwt = `${unsigned}.${b64(signature)}` `` after a WebCrypto signature)."""
    found: set[str] = set()
    number = first
    while names and number <= last:
        a = _ASSIGNED.match(lines[number - 1])
        number += 1
        if a is None:
            continue
        rhs = a.group("rhs")
        while _open(rhs) and number <= last:  # the statement goes on over the next lines
            rhs += "\n" + lines[number - 1]
            number += 1
        value = rhs.strip().rstrip(";").strip()
        held = names | found
        built = "`" in value or "+" in value or ("." in value and "join" in value)
        if value.lstrip("$") in held or (built and any(
                re.search(rf"(?<![\w$.])\$?{re.escape(n)}\b(?!\s*\.\s*length)", value) for n in held)):
            target = _NAME.findall(a.group("lhs").split(",")[0].replace("$", ""))
            if target:
                found.add(target[-1])
    return found


def _open(text: str) -> bool:
    """Brackets or a template literal still open at the end of ``text``."""
    depth = sum(text.count(c) for c in "([{") - sum(text.count(c) for c in ")]}")
    return depth > 0 or text.count("`") % 2 == 1


def _log_lines(lines: list[str], s: Signer, first: int, last: int) -> range:
    """Lines where a log call can write this signer's token: the rest of its piece, or, for a
    signer at the top of a script (no function around it), the rest of the script up to the
    next definition."""
    end = min(last, len(lines))
    if s.function is None:
        end = len(lines)
        for number in range(last + 1, len(lines) + 1):
            if _DEFINITION.match(lines[number - 1]):
                end = number - 1
                break
    return range(max(s.line, first), end + 1)


def _token_word(names: set[str]) -> re.Pattern[str]:
    """The token's names as written in a log call: not a call of them (`token()`) and not
    what only describes them (`token.length`, `len(token)` stays a mention)."""
    alternatives = "|".join(re.escape(n) for n in sorted(names))
    return re.compile(rf"(?<![\w$.])\$?(?:{alternatives})\b(?!\s*\()(?!\s*\.\s*(?:length|size)\b)")


def _log_args(lines: list[str], number: int, m: re.Match[str]) -> str:
    """The arguments of the log call matched on line ``number``, over the lines it spans."""
    args = m.group("args")
    more = number
    while _open(args) and more < min(number + 10, len(lines)):
        args += "\n" + lines[more]
        more += 1
    return args


def _logged(args: str, word: re.Pattern[str]) -> bool:
    plain = _STRING.sub(lambda m: " ".join(_INTERPOLATED.findall(m.group(0))), args)
    return bool(word.search(plain))


def _line_starts(lines: list[str]) -> list[int]:
    """Where each line begins (the sum of the lengths before it, line breaks included)."""
    return list(itertools.accumulate(map((1).__add__, map(len, lines[:-1])), initial=0))


def judge(text: str, signers: tuple[Signer, ...]) -> tuple[tuple[Signer, ...], list[Marker]]:
    """Signers with their hints and request-borne claims filled in, and `token-logged` markers
    (``text`` is the signing call's line, so a rule can tell which signer they belong to)."""
    if not any(s.span for s in signers):
        return signers, []
    lines = text.split("\n")
    starts = _line_starts(lines)
    file_inputs = _bound_names(text)
    indexed = FileText(text)
    out, markers = [], []
    for s in signers:
        if s.span is None:
            out.append(s)
            continue
        first, last = s.span
        parameters = _request_parameters(text, starts, s, file_inputs)
        looked_up = _looked_up(lines, first, min(s.line, len(lines)), file_inputs | parameters)
        from_request = frozenset(k for k, e in s.claims.items()
                                 if _from_request(e, file_inputs, parameters, looked_up))
        out.append(dataclasses.replace(s, hints=indexed.hints(first, last), from_request=from_request))
        markers += _claim_parameters(text, lines, starts, s)
        names = _token_names(lines, s, last)
        if not names:
            continue
        word = _token_word(names)
        for number in _log_lines(lines, s, first, last):
            m = _LOG.search(lines[number - 1])
            if m and _logged(_log_args(lines, number, m), word):
                markers.append(Marker("token-logged", number, m.start() + 1, str(s.line)))
    return tuple(out), markers


# --- across files: a helper that signs in one file, the route that calls it in another ----------

# Calls of functions whose name says they make a token: where a signing helper is called from.
# The regex starts with the literal part of the name (fast to find); the rest of the name is
# read around it.
_TOKEN_WORD = re.compile(r"(?:jwt|Jwt|JWT|token|Token|TOKEN|sign|Sign)[\w$]*\s*\(")
_NAME_TAIL = re.compile(r"[\w$]*$")
# The object a method is called on: `account.make_jwt(` -> "account".
_RECEIVER_BEFORE = re.compile(r"(\$?[A-Za-z_][\w$]*(?:\.[A-Za-z_][\w$]*)*)\s*(?:\.|->)\s*$")
_METHOD_NAME = 10  # a method this long (`account.make_zendesk_jwt(`) is the site's own helper
_MAX_CALLS = 200  # token helper calls looked at in one file (a route file has a handful)
# `const { token } = await makeToken(...)`: the names a call's result is unpacked into.
_UNPACKED = re.compile(r"\{([^{}=]*)\}\s*=\s*(?:await\s+)?$")
_CALLER_WINDOW = 60  # lines above a call in which its arguments' values are looked for
_LARGEST = 400_000  # characters; a generated bundle calls nothing a site's route does


def _claim_parameters(text: str, lines: list[str], starts: list[int], s: Signer) -> list[Marker]:
    """`claim-parameter` markers, "function<TAB>position<TAB>claim<TAB>signer line": the claims
    the signer fills straight from a parameter of its own function."""
    found = _declaration(text, starts, s)
    if found is None or s.function is None:
        return []
    first = s.span[0] if s.span else s.line
    declaration = found[0]
    # A method's own object counts as the "self" position, as a caller's receiver does; a
    # Python method's `self` is not an argument at its call sites.
    positions: list[tuple[str, frozenset[str]]] = [("self", frozenset({"self", "this"}))]
    skip = 1 if declaration and declaration[0].split(":")[0].strip() in ("self", "cls") else 0
    positions += [(str(i), frozenset(_parameter_names(part))) for i, part in enumerate(declaration[skip:])]
    out = []
    for position, names in positions:
        # the parameter and what the function takes out of it (`const { email } = userData`)
        held = _looked_up(lines, first, min(s.line, len(lines)), names)
        for claim, e in s.claims.items():
            if held.intersection(_ROOTS.findall(_code(e.text))):
                out.append(Marker("claim-parameter", e.line, e.column, f"{s.function}\t{position}\t{claim}\t{s.line}"))
    return out


def _token_calls(text: str) -> list[tuple[int, str, int]]:
    """(start, name, index of the opening parenthesis) of calls of token-making functions."""
    out = []
    for m in _TOKEN_WORD.finditer(text):
        head = _NAME_TAIL.search(text, max(0, m.start() - 80), m.start())
        start = head.start() if head else m.start()
        name = text[start:m.end() - 1].rstrip()
        if not _IDENTIFIER.fullmatch(name) or (start and text[start - 1] == "." and len(name) < _METHOD_NAME):
            continue  # a library's method (`jwt.sign(`, `res.encode(`), not one of the site's
        out.append((start, name, m.end() - 1))
        if len(out) >= _MAX_CALLS:
            break
    return out


def callers(text: str) -> list[Marker]:
    """What a file does with the token helpers it calls, for helpers signed in other files:
    `input-call` markers ("function<TAB>position") where an argument is request input, and
    `logged-result` markers ("function") where the token the call returns is written to a log."""
    if len(text) > _LARGEST:
        return []
    calls = _token_calls(text)  # a literal-led search: most files have none and stop here
    if not calls:
        return []
    # Files that read no request input and log nothing have nothing more to tell.
    takes_input = bool(_inputs(text, first=True)) or bool(_bound_parameters(text))
    logs = _logs(text)
    if not (takes_input or logs):
        return []
    lines = text.split("\n")
    starts = _line_starts(lines)
    inputs = _bound_names(text) if takes_input else frozenset()
    out: list[Marker] = []
    for at, name, paren in calls:
        number = bisect.bisect_right(starts, at)
        column = at - starts[number - 1] + 1
        args = _arguments(text, paren) or []
        derived: set[str] | None = None
        receiver = _RECEIVER_BEFORE.search(text, max(0, at - 120), at) if takes_input else None
        for i, arg in [*enumerate(args if takes_input else ())] + ([("self", receiver.group(1))] if receiver else []):
            if derived is None:
                derived = set(_looked_up(lines, max(1, number - _CALLER_WINDOW), number - 1, inputs))
            if _derives(arg, derived):
                out.append(Marker("input-call", number, column, f"{name}\t{i}"))
        if not logs:
            continue
        before = lines[number - 1][:column - 1]
        stored = _STORED.search(before)
        unpacked = _UNPACKED.search(before)
        held = {stored.group(1).lstrip("$")} if stored else set(_NAME.findall(unpacked.group(1))) if unpacked else set()
        if not held:
            continue
        end = min(number + _CALLER_WINDOW, len(lines))
        held |= _aliases(lines, held, number + 1, end)  # `jwt = token;` a few lines on
        word = _token_word(held)
        for later in range(number + 1, end + 1):
            m = _LOG.search(lines[later - 1])
            if m and _logged(_log_args(lines, later, m), word):
                out.append(Marker("logged-result", later, m.start() + 1, name))
    return out
