"""What an expression means, per language: clocks, units, conversions, where a value comes from.

Extractors find *where* a claim, header or key is written (with a real parser); this
module says *what* the located expression does, from tables of idioms per language. Keeping
the idioms as data means one place to extend when a new library or clock shows up.

Trait vocabulary (used by rules):
  clock            derived from the current time
  clock-ms         ... from a millisecond (or finer) clock, not scaled back to seconds
  float            a number with a fraction (seconds as a float)
  local-as-utc     local wall-clock time read as if it were UTC
  stringified      converted to a string
  numeric          converted to / known as a number
  literal          a constant literal
  env              read from the process environment
  env-unguarded    ... in a way that yields undefined / null / "" when the variable is unset
                   (an empty-string default included: "" is no secret, and no key either)
  literal-fallback env or config with a non-empty literal default (a secret in source):
                   `|| 'dev'`, `getenv("X", "dev")`, `getEnv("X", "dev")`, `ENV.fetch("X", "dev")`
  config           read from configuration
  file             read from a file
  base64-decoded   passed through a base64 decoder
  ms-unit-string   a unit-less string duration that a library reads as milliseconds
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from migrate.model import Expr, ExprKind, Secret


def _rx(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


@dataclass(frozen=True)
class Idioms:
    clock_ms: re.Pattern[str]
    clock_s: re.Pattern[str]  # integer (or library-converted) seconds
    clock_float: re.Pattern[str]  # seconds with a fraction
    to_int: re.Pattern[str]  # wrappers that truncate a float to an integer
    per_second: re.Pattern[str]  # the scaling that turns ms into s ("/ 1000")
    stringify: re.Pattern[str]
    numeric: re.Pattern[str]
    env_unguarded: re.Pattern[str]
    env_guarded: re.Pattern[str]
    config: re.Pattern[str]
    fallback: re.Pattern[str]  # a non-empty literal default after an env/config read
    base64: re.Pattern[str]
    file: re.Pattern[str]
    local_as_utc: re.Pattern[str] = field(default=re.compile(r"(?!x)x"))
    empty_fallback: re.Pattern[str] = field(default=re.compile(r"(?!x)x"))  # ... an empty one


_NEVER = r"(?!x)x"


def _defaults(quotes: str, *shapes: str) -> dict[str, re.Pattern[str]]:
    """``fallback`` and ``empty_fallback`` for the places a language writes a default value.
    In each shape ``{name}`` is a quoted setting name and ``{lit}`` where the default literal
    starts; the quote characters are spelt out so that no shape needs a backreference."""
    name = "(?:" + "|".join(f"{q}[^{q}\n]+{q}" for q in quotes) + ")"
    full = "(?:" + "|".join(f"{q}(?!{q})" for q in quotes) + ")"
    empty = "(?:" + "|".join(q + q for q in quotes) + ")"
    return {
        "fallback": _rx(*(p.replace("{name}", name).replace("{lit}", full) for p in shapes)),
        "empty_fallback": _rx(*(p.replace("{name}", name).replace("{lit}", empty) for p in shapes)),
    }


# getEnv("X", "dev"), env("X", "dev"), config.get("x", "dev"), configService.get<string>(...)
_HELPER = r"\b\w*(?:env|Env|ENV|config|Config|setting|Setting)\w*(?:\.get\w*)?\s*(?:<[^<>()]*>)?"

IDIOMS: dict[str, Idioms] = {
    "javascript": Idioms(
        clock_ms=_rx(r"Date\.now\(\)", r"new Date\(\)\s*\.getTime\(\)", r"\+\s*new Date\b",
                     r"new Date\(\)\s*\.valueOf\(\)", r"\.getTime\(\)"),
        clock_s=_rx(r"\.unix\(\)", r"getUnixTime\(", r"epochSeconds"),
        clock_float=re.compile(_NEVER),
        to_int=_rx(r"Math\.(floor|round|trunc|ceil)\s*\(", r"parseInt\s*\(", r"\|\s*0\b", r"~~"),
        per_second=_rx(r"/\s*1000\b", r"/\s*1e3\b", r"/\s*1_000\b"),
        stringify=_rx(r"\bString\s*\(", r"\.toString\s*\(", r"`[^`]*\$\{", r"\.toFixed\s*\(",
                      r"(['\"])\1\s*\+", r"\+\s*(['\"])\1", r"JSON\.stringify\s*\("),
        numeric=_rx(r"\bNumber\s*\(", r"parseInt\s*\(", r"parseFloat\s*\(", r"\.id\b", r"\._id\b"),
        env_unguarded=_rx(r"process\.env(\.\w+\b|\[[^\]]+\])(?!\s*(\|\||\?\?|\?|&&))",
                          r"import\.meta\.env\.\w+\b(?!\s*(\|\||\?\?))",
                          # Workers / Hono bindings: env.ZENDESK_SECRET, c.env.ZENDESK_SECRET
                          r"\benv\.[A-Z][A-Z0-9_]*\b(?!\s*(\|\||\?\?|\?|&&))"),
        env_guarded=re.compile(_NEVER),
        config=_rx(r"\bconfig\.get\s*\(", r"\bconfig\.\w+", r"\bsettings\.\w+", r"nconf\.get\s*\("),
        **_defaults("'\"`", r"(?:\|\||\?\?)\s*{lit}", _HELPER + r"\(\s*{name}\s*,\s*{lit}"),
        base64=_rx(r"Buffer\.from\s*\([^)]*,\s*['\"]base64(url)?['\"]", r"\batob\s*\(",
                   r"base64url\.decode\s*\(", r"Base64\.decode\s*\(", r"base64\.decode\s*\("),
        file=_rx(r"readFileSync\s*\(", r"readFile\s*\("),
    ),
    "python": Idioms(
        clock_ms=_rx(r"time\.time\(\)\s*\*\s*1000", r"time_ns\(\)", r"\.timestamp\(\)\s*\*\s*1000",
                     r"\*\s*1000\b"),
        clock_s=_rx(r"\bdatetime(\.datetime)?\.(now|utcnow)\s*\(", r"\btimezone\.now\(\)",
                    r"calendar\.timegm\s*\(", r"\bnow\(\)"),
        clock_float=_rx(r"\btime\.time\(\)", r"\btime\(\)", r"\.timestamp\(\)"),
        to_int=_rx(r"\bint\s*\(", r"\bround\s*\(", r"math\.(floor|ceil)\s*\(", r"//"),
        per_second=_rx(r"/\s*1000\b", r"//\s*1000\b", r"/\s*1e3\b"),
        stringify=_rx(r"\bstr\s*\(", r"\bf['\"]", r"\.format\s*\(", r"['\"]\s*%\s*"),
        numeric=_rx(r"\bint\s*\(", r"\bfloat\s*\(", r"\.id\b", r"\.pk\b"),
        env_unguarded=_rx(r"os\.environ\.get\s*\(\s*['\"][^'\"]+['\"]\s*\)",
                          r"\bgetenv\s*\(\s*['\"][^'\"]+['\"]\s*\)"),
        env_guarded=_rx(r"os\.environ\s*\["),
        config=_rx(r"\bsettings\.\w+", r"\.config\s*\[", r"\.config\.get\s*\(", r"\bconfig\s*\[",
                   r"\bconfig\.get\s*\("),
        **_defaults("'\"",
                    r"\b(?:\w*get\w*|\w*env\w*|env\.\w+)\s*\(\s*{name}\s*,\s*(?:default\s*=\s*)?{lit}",
                    r"\bor\s+{lit}"),
        base64=_rx(r"b64decode\s*\(", r"base64\.decode", r"decodebytes\s*\("),
        file=_rx(r"\bopen\s*\(", r"\.read_text\s*\(", r"\.read_bytes\s*\("),
        # utcnow() is naive; .timestamp() then reads it as local time.  datetime.now() without
        # a zone handed to PyJWT is turned into a timestamp as if it were UTC.
        # time.mktime(datetime.now().timetuple()) is right (local read as local); calendar.timegm
        # of the same tuple reads it as UTC.
        local_as_utc=_rx(r"utcnow\(\)\s*\.timestamp\(\)", r"mktime\s*\(.*utcnow",
                         r"\bdatetime(\.datetime)?\.now\(\s*\)(?!\s*\.(?:timestamp|timetuple)\b)",
                         r"timegm\s*\(\s*(?:datetime\.)?datetime\.now\(\s*\)"),
    ),
    "csharp": Idioms(
        clock_ms=_rx(r"ToUnixTimeMilliseconds\s*\(", r"\.TotalMilliseconds\b", r"\.Ticks\b"),
        clock_s=_rx(r"ToUnixTimeSeconds\s*\(", r"DateTime(Offset)?\.(Utc)?Now\b", r"EpochTime\.GetIntDate"),
        clock_float=_rx(r"\.TotalSeconds\b"),
        to_int=_rx(r"\(\s*(long|int)\s*\)", r"Convert\.ToInt(32|64)\s*\(", r"Math\.(Floor|Round)\s*\("),
        per_second=_rx(r"/\s*1000\b"),
        stringify=_rx(r"\.ToString\s*\(", r"\$\"", r"Convert\.ToString\s*\("),
        numeric=_rx(r"\.Id\b", r"int\.Parse\s*\(", r"Convert\.ToInt"),
        env_unguarded=_rx(r"Environment\.GetEnvironmentVariable\s*\([^)]*\)(?!\s*(\?\?|\?\.))"),
        env_guarded=re.compile(_NEVER),
        config=_rx(r"[Cc]onfiguration\s*\[", r"_config\w*\s*\[", r"\.GetValue\s*<", r"\.GetSection\s*\(",
                   r"AppSettings\s*\[", r"_options\.", r"Options\.Value"),
        **_defaults('"', r"\?\?\s*[@$]?{lit}",
                    r"GetValue\s*(?:<[^<>()]*>)?\s*\(\s*{name}\s*,\s*[@$]?{lit}"),
        base64=_rx(r"FromBase64String\s*\(", r"Base64UrlEncoder\.DecodeBytes\s*\(",
                   r"Base64UrlTextEncoder\.Decode\s*\(", r"WebEncoders\.Base64UrlDecode\s*\("),
        file=_rx(r"File\.ReadAll(Text|Bytes)\s*\("),
        local_as_utc=_rx(r"DateTime\.Now\b"),
    ),
    "java": Idioms(
        clock_ms=_rx(r"System\.currentTimeMillis\(\)", r"toEpochMilli\(\)", r"new Date\(\)\s*\.getTime\(\)",
                     r"\.millis\(\)"),
        clock_s=_rx(r"getEpochSecond\(\)", r"new Date\s*\(", r"Date\.from\s*\(", r"Instant\.now\(\)"),
        clock_float=_rx(r"/\s*1000(\.0|d|D|f|F)\b"),
        to_int=_rx(r"\(\s*(long|int)\s*\)", r"Math\.(floor|round)\s*\("),
        # Java integer division already truncates.
        per_second=_rx(r"/\s*1000L?\b", r"TimeUnit\.MILLISECONDS\.toSeconds\s*\("),
        stringify=_rx(r"String\.valueOf\s*\(", r"\.toString\s*\(", r"Long\.toString\s*\(",
                      r"Integer\.toString\s*\(", r"\"\"\s*\+"),
        numeric=_rx(r"\.getId\s*\(\)", r"Long\.parseLong\s*\(", r"Integer\.parseInt\s*\(", r"\.id\b"),
        env_unguarded=_rx(r"System\.getenv\s*\([^)]*\)"),
        env_guarded=_rx(r"Optional\.ofNullable\s*\(\s*System\.getenv"),
        config=_rx(r"getProperty\s*\(", r"@Value", r"\bproperties\.\w+", r"\bconfig\.\w+"),
        **_defaults('"', r"orElse\s*\(\s*{lit}", r"getProperty\s*\([^,]+,\s*{lit}",
                    r"getOrDefault\s*\([^,]+,\s*{lit}"),
        base64=_rx(r"Base64\.getDecoder\(\)", r"Base64\.getUrlDecoder\(\)", r"Decoders\.BASE64",
                   r"decodeBase64\s*\(", r"parseBase64Binary\s*\("),
        file=_rx(r"Files\.read", r"new FileReader"),
    ),
    "go": Idioms(
        clock_ms=_rx(r"\.UnixMilli\(\)", r"\.UnixNano\(\)", r"\.UnixMicro\(\)"),
        clock_s=_rx(r"\.Unix\(\)", r"NewNumericDate\s*\(", r"time\.Now\(\)"),
        clock_float=_rx(r"float64\s*\("),
        to_int=_rx(r"int64\s*\(", r"int\s*\("),
        per_second=_rx(r"/\s*1e3\b", r"/\s*1000\b", r"/\s*1e9\b", r"/\s*int64\(time\.Second\)"),
        stringify=_rx(r"strconv\.(Itoa|FormatInt|FormatUint)\s*\(", r"fmt\.Sprint", r"\.String\(\)"),
        numeric=_rx(r"\.ID\b", r"\.Id\b", r"strconv\.Atoi\s*\("),
        env_unguarded=_rx(r"os\.Getenv\s*\("),
        env_guarded=_rx(r"os\.LookupEnv\s*\("),
        config=_rx(r"viper\.Get", r"\bcfg\.\w+", r"\bconfig\.\w+"),
        # getEnv("X", "dev") helpers, cmp.Or(os.Getenv("X"), "dev")
        **_defaults('"`', r"\b\w*(?:[Ee]nv|ENV|[Cc]onfig|[Ss]etting)\w*\s*\(\s*{name}\s*,\s*{lit}",
                    r"\bcmp\.Or\s*\([^;]*?,\s*{lit}"),
        base64=_rx(r"base64\.(Std|URL|RawStd|RawURL)Encoding\.DecodeString\s*\("),
        file=_rx(r"os\.ReadFile\s*\(", r"ioutil\.ReadFile\s*\("),
    ),
    "ruby": Idioms(
        clock_ms=_rx(r"\*\s*1000\b", r"strftime\(\s*['\"]%Q", r":millisecond"),
        clock_s=_rx(r"Time\.(now|current)(\.utc)?\.to_i", r"\.from_now", r"\.ago\b", r"Time\.now\b",
                    r"Time\.current\b"),
        clock_float=_rx(r"\.to_f\b"),
        to_int=_rx(r"\.to_i\b", r"\.round\b", r"\.floor\b"),
        per_second=_rx(r"/\s*1000\b"),
        stringify=_rx(r"\.to_s\b", r"\"[^\"]*#\{"),
        numeric=_rx(r"\.id\b", r"\.to_i\b", r"Integer\s*\("),
        env_unguarded=_rx(r"ENV\s*\[", r"ENV\.fetch\s*\([^,)]*,\s*nil\s*\)"),
        env_guarded=_rx(r"ENV\.fetch\s*\("),
        config=_rx(r"Rails\.application\.(credentials|config|secrets)", r"Rails\.configuration",
                   r"\bSettings\.", r"\bconfig\."),
        **_defaults("'\"", r"ENV\.fetch\s*\([^,)]+,\s*{lit}",
                    r"ENV\.fetch\s*\([^)]*\)\s*(?:\{|do\b)\s*{lit}", r"\|\|\s*{lit}"),
        base64=_rx(r"Base64\.(decode64|urlsafe_decode64|strict_decode64)\s*\(", r"\.unpack1?\(\s*['\"]m"),
        file=_rx(r"File\.read\s*\(", r"IO\.read\s*\("),
    ),
    "php": Idioms(
        clock_ms=_rx(r"microtime\s*\(\s*true\s*\)\s*\*\s*1000", r"getTimestampMs\s*\(", r"\bvalueOf\b",
                     r"->format\(\s*['\"]Uv['\"]"),
        clock_s=_rx(r"\btime\s*\(\s*\)", r"getTimestamp\s*\(", r"strtotime\s*\(", r"->timestamp\b",
                    r"Carbon::now", r"\bnow\(\)"),
        clock_float=_rx(r"microtime\s*\(\s*true\s*\)"),
        to_int=_rx(r"\(\s*int\s*\)", r"intval\s*\(", r"\bround\s*\(", r"\bfloor\s*\("),
        per_second=_rx(r"/\s*1000\b"),
        stringify=_rx(r"strval\s*\(", r"\(\s*string\s*\)", r"\"[^\"]*\$"),
        numeric=_rx(r"->id\b", r"intval\s*\(", r"\(\s*int\s*\)"),
        env_unguarded=_rx(r"getenv\s*\(\s*['\"][^'\"]+['\"]\s*\)", r"\$_(ENV|SERVER)\s*\[",
                          r"\benv\s*\(\s*['\"][^'\"]+['\"]\s*\)"),
        env_guarded=re.compile(_NEVER),
        config=_rx(r"\bconfig\s*\(", r"\$config\s*\[", r"\$this->config"),
        **_defaults("'\"", r"\b\w*(?:env|Env|ENV|config|Config)\w*\s*\(\s*{name}\s*,\s*{lit}",
                    r"\?:\s*{lit}", r"\?\?\s*{lit}"),
        base64=_rx(r"base64_decode\s*\(", r"urlsafeB64Decode\s*\("),
        file=_rx(r"file_get_contents\s*\("),
    ),
}
IDIOMS["typescript"] = IDIOMS["javascript"]

_GET_ENV = r"\b[gG]et_?[Ee]nv\w*\s*\("  # getEnv("X", ...), get_env(...) helpers
# Workers / Hono bindings (env.ZENDESK_SECRET, c.env.X) and env("X", ...) helpers too.
_JS_ENV = r"process\.env|import\.meta\.env|Deno\.env|\benv\.[A-Z][A-Z0-9_]*\b|\benv\s*\(|" + _GET_ENV
_ENV_ANY = {
    "javascript": _JS_ENV,
    "typescript": _JS_ENV,
    "python": r"os\.environ|getenv|\benv(?:\.\w+)?\s*\(|" + _GET_ENV,
    "csharp": r"GetEnvironmentVariable",
    "java": r"System\.getenv",
    "go": r"os\.(Getenv|LookupEnv)|" + _GET_ENV,
    "ruby": r"\bENV\b",
    "php": r"getenv|\$_ENV|\$_SERVER|\benv\s*\(",
}

# --- durations: "now + 5 minutes" in each language's idiom --------------------------------

_UNITS = {
    "ms": 0.001, "millisecond": 0.001, "milliseconds": 0.001,
    "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
    "d": 86400, "day": 86400, "days": 86400, "w": 604800, "week": 604800, "weeks": 604800,
}
_NUM = r"\d[\d_]*(?:\.\d+)?(?:\s*\*\s*\d[\d_]*(?:\.\d+)?)*"
_DURATIONS = [
    # timedelta(minutes=5), Duration.ofMinutes(5), AddMinutes(5), plusMinutes(5), addMinutes(5)
    re.compile(rf"(?:timedelta\s*\(\s*|Duration\.of|[Aa]dd|plus|sub|minus)(?P<unit>[A-Za-z]+?)s?\s*(?:=|\()\s*(?P<n>{_NUM})", re.I),
    # 5.minutes (Rails), 5 * time.Minute, time.Minute * 5, time.Hour
    re.compile(rf"(?P<n>{_NUM})\s*\.\s*(?P<unit>seconds?|minutes?|hours?|days?)\b"),
    re.compile(rf"(?P<n>{_NUM})\s*\*\s*time\.(?P<unit>Second|Minute|Hour)\b"),
    re.compile(rf"time\.(?P<unit>Second|Minute|Hour)\s*\*\s*(?P<n>{_NUM})"),
    # strtotime('+5 minutes'), '+1 hour'
    re.compile(rf"['\"]\+\s*(?P<n>{_NUM})\s*(?P<unit>[a-z]+)['\"]"),
    # plus(5, ChronoUnit.MINUTES)
    re.compile(rf"plus\s*\(\s*(?P<n>{_NUM})\s*,\s*ChronoUnit\.(?P<unit>[A-Z]+)"),
]
_PLUS_NUMBER = re.compile(rf"\+\s*\(?\s*(?P<n>{_NUM})\s*\)?(?![\w.(])")
_BARE_TIME_UNIT = re.compile(r"time\.(?P<unit>Second|Minute|Hour)\b")


def _num(text: str) -> float:
    total = 1.0
    for part in text.split("*"):
        total *= float(part.strip().replace("_", ""))
    return total


def _unit(name: str) -> float | None:
    n = name.lower()
    return _UNITS.get(n) or _UNITS.get(n.rstrip("s"))


def duration_seconds(text: str) -> float | None:
    """Seconds in a duration literal of any supported idiom: '1h', '5 minutes', 300, 5*60."""
    t = text.strip().strip("'\"`")
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([A-Za-z]+)", t)
    if m and _unit(m.group(2)) is not None:
        return float(m.group(1)) * _unit(m.group(2))  # type: ignore[operator]
    if re.fullmatch(_NUM, t):
        return _num(t)
    for rx in _DURATIONS:
        m = rx.search(text)
        if m:
            unit = _unit(m.group("unit"))
            if unit is not None:
                return _num(m.group("n")) * unit
    m = _BARE_TIME_UNIT.fullmatch(t)
    if m:
        return _unit(m.group("unit"))
    return None


def offset_seconds(text: str, traits: frozenset[str]) -> float | None:
    """For "now + N" expressions, N in seconds; None when the expression is not one."""
    if "clock" not in traits or "clock-ms" in traits:
        return None
    for rx in _DURATIONS:
        m = rx.search(text)
        if m:
            unit = _unit(m.group("unit"))
            if unit is not None:
                return _num(m.group("n")) * unit
    m = _PLUS_NUMBER.search(text)
    if m:
        return _num(m.group("n"))
    m = re.search(rf"-\s*(?P<n>{_NUM})(?![\w.(])", text)
    if m:
        return -_num(m.group("n"))
    return 0.0


def classify(language: str, text: str, kind: ExprKind = "other") -> frozenset[str]:
    idioms = IDIOMS.get(language)
    found: set[str] = set()
    if kind in ("int", "float", "string", "bool", "null"):
        found.add("literal")
        if kind == "float":
            found.add("float")
        return frozenset(found)
    if idioms is None:
        return frozenset()
    ms = bool(idioms.clock_ms.search(text))
    scaled = bool(idioms.per_second.search(text))
    if ms and not scaled:
        found |= {"clock", "clock-ms"}
    elif ms or idioms.clock_s.search(text) or idioms.clock_float.search(text):
        found.add("clock")
        floaty = (ms and scaled) or bool(idioms.clock_float.search(text))
        if language == "java" and ms and scaled and not idioms.clock_float.search(text):
            floaty = False  # long / 1000 is integer division
        if floaty and not idioms.to_int.search(text):
            found.add("float")
    if idioms.local_as_utc.search(text):
        found.add("local-as-utc")
    if idioms.stringify.search(text):
        found.add("stringified")
    if idioms.numeric.search(text) and "stringified" not in found:
        found.add("numeric")
    if re.search(_ENV_ANY.get(language, _NEVER), text):
        found.add("env")
        if (idioms.env_unguarded.search(text) and not idioms.env_guarded.search(text)) or \
                idioms.empty_fallback.search(text):
            found.add("env-unguarded")
    if idioms.config.search(text):
        found.add("config")
    if idioms.fallback.search(text):
        found.add("literal-fallback")
        found.discard("env-unguarded")
    if idioms.base64.search(text):
        found.add("base64-decoded")
    if idioms.file.search(text):
        found.add("file")
    return frozenset(found)


def expr(language: str, text: str, line: int, column: int, kind: ExprKind = "other",
         value: int | float | str | bool | None = None, resolved: Expr | None = None,
         extra: frozenset[str] | set[str] = frozenset()) -> Expr:
    """Build an Expr with its traits and offset filled in."""
    traits = classify(language, text, kind) | frozenset(extra)
    return Expr(text=text, line=line, column=column, kind=kind, value=value, resolved=resolved,
                traits=traits, offset=offset_seconds(text, traits))


# --- secrets --------------------------------------------------------------------------------

_NAME_ARG = re.compile(
    r"""(?:getenv|GetEnvironmentVariable|environ(?:\.get)?|\benv|ENV(?:\.fetch)?|\$_ENV|\$_SERVER|"""
    r"""config|getProperty|[Cc]onfiguration|LookupEnv|Getenv|credentials\.dig|GetValue<\w+>|"""
    r"""[gG]et_?[Ee]nv|getOrDefault|[Cc]onfig\w*\.get(?:<\w+>)?)"""
    r"""\s*[\(\[]\s*$""")
_PLAIN_NAME = re.compile(r"[\"'][\w.:/-]{1,80}[\"']")
_PAIRS = {"(": ")", "[": "]", "{": "}", "<": ">"}
_HEREDOC = {
    # Ruby <<~EOS, <<-EOS, <<EOS, <<~'EOS'; PHP <<<EOT, <<<"EOT", <<<'EOT' (nowdoc)
    "ruby": re.compile(r"<<[~-]?(['\"]?)([A-Z_][A-Z0-9_]*)\1"),
    "php": re.compile(r"<<<[ \t]*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1[ \t]*\r?\n"),
}


def _quoted_end(text: str, i: int, quote: str, escapes: bool = True, doubled: bool = False,
                opener: str | None = None) -> int:
    """Index just past the literal whose body starts at ``i`` and ends with ``quote``: one
    forward pass, no backtracking (a line of backslashes costs what its length costs).
    ``opener``: a paired delimiter nests (Ruby's %Q{a {b} #{c}})."""
    n = len(text)
    depth = 0
    while i < n:
        c = text[i]
        if escapes and c == "\\":
            i += 2
            continue
        if opener is not None and c == opener:
            depth += 1
        elif opener is not None and c == quote and depth:
            depth -= 1
        elif text.startswith(quote, i):
            if doubled and text.startswith(quote * 2, i):  # C# verbatim: "" is a quote
                i += 2
                continue
            return i + len(quote)
        i += 1
    return n


def _literal_at(text: str, i: int, language: str | None) -> int | None:
    """End of the string literal that starts at ``i`` (in the language's own forms), or None."""
    c = text[i]
    if c in "\"'`":
        if text.startswith(('"""', "'''"), i):
            return _quoted_end(text, i + 3, text[i:i + 3], escapes=language != "csharp")
        verbatim = language == "csharp" and i > 0 and text[i - 1] == "@"
        raw = language == "go" and c == "`"  # (a Python raw string still ends only at an unescaped quote)
        return _quoted_end(text, i + 1, c, escapes=not (verbatim or raw), doubled=verbatim)
    if c == "%" and language == "ruby" and i + 1 < len(text):
        j = i + 1
        if text[j] in "qQwWiI":
            j += 1
        if j < len(text) and (text[j] in _PAIRS or (not text[j].isalnum() and not text[j].isspace()
                                                    and text[j] not in "=%")):
            close = _PAIRS.get(text[j], text[j])
            return _quoted_end(text, j + 1, close, opener=text[j] if text[j] in _PAIRS else None)
        return None
    if c == "<" and language in _HEREDOC:
        m = _HEREDOC[language].match(text, i)
        if m is None:
            return None
        tag = m.group(2)
        body = text.find("\n", m.end() - 1) + 1 if language == "ruby" else m.end()
        if body <= 0:
            return m.end()  # the opener alone (its body is on the lines below): the literal's stand-in
        for line in re.finditer(r"[^\n]*(?:\n|$)", text[body:]):
            if line.group().strip().rstrip(";,)").strip() == tag or line.group().lstrip().startswith(tag + ";"):
                return body + line.end()
            if not line.group():
                break
        return len(text)
    return None


def mask(text: str, language: str | None = None) -> str:
    """Replace every string literal by "***" (in the language's own literal forms: quotes, triple
    quotes, Ruby %q()/%Q{}, heredocs and nowdocs, C# verbatim strings, Go raw strings, Python
    prefixes), except names handed to an env/config lookup and empty strings."""
    out: list[str] = []
    last = i = 0
    n = len(text)
    while i < n:
        end = _literal_at(text, i, language) if text[i] in "\"'`%<" else None
        if end is None:
            i += 1
            continue
        literal = text[i:end]
        out.append(text[last:i])
        before = text[max(0, i - 120):i]
        if _PLAIN_NAME.fullmatch(literal) and _NAME_ARG.search(before):
            out.append(literal)
        elif literal in ('""', "''", "``"):
            out.append(literal)  # empty: nothing to hide, and it shows there is no default
        else:
            out.append('"***"')
        last = i = end
    out.append(text[last:])
    return "".join(out)


def _chain(e: Expr) -> list[Expr]:
    chain = [e]
    while chain[-1].resolved is not None:
        chain.append(chain[-1].resolved)
    return chain


def committed(key: Expr) -> bool:
    """A key whose value is written in source: a literal, or a literal default."""
    chain = _chain(key)
    return chain[-1].kind == "string" or any("literal-fallback" in e.traits for e in chain)


def telling(key: Expr) -> bool:
    """A key that says where it comes from (not just another bare, unresolved name)."""
    chain = _chain(key)
    return chain[-1].kind != "name" or any(e.traits for e in chain)


def through_callers(keys: Iterable[Expr]) -> Expr | None:
    """Of the keys a function's callers pass for its key parameter, the one to report: one
    committed to source if any (a literal in one caller is a literal), else the first that
    tells its origin."""
    best = None
    for e in keys:
        if committed(e):
            return e
        if best is None and telling(e):
            best = e
    return best


# A literal turned into bytes by a one-argument call (`utf8ToUint8Array("...")`,
# `new TextEncoder().encode("...")`, `Buffer.from("...")`, `"...".getBytes()` is a member call).
_LITERAL_IN_CONVERSION = re.compile(r"(?P<callee>(?:new\s+)?[\w$.]+(?:\(\s*\))?(?:\.[\w$]+)*)\s*\(\s*(?P<q>[\"'`])\*\*\*(?P=q)\s*"
                                    r"(?:,\s*[\"'][\w-]+[\"']\s*)?\)")


_CONVERSION_WORD = re.compile(r"encode|bytes|Uint8Array|from|utf-?8|buffer|Key", re.I)


def secret(language: str, key: Expr, parameter_names: frozenset[str] = frozenset()) -> Secret:
    """Describe a signing key expression without keeping any literal value."""
    chain = _chain(key)
    final = chain[-1]
    traits: set[str] = set()
    for e in chain:
        traits |= e.traits
    wrapped = final.kind == "call" and not traits & {"env", "config", "file"} and (
        m := _LITERAL_IN_CONVERSION.fullmatch(mask(final.text, language))) is not None and \
        _CONVERSION_WORD.search(m.group("callee"))
    if final.kind == "string" or wrapped or "literal-fallback" in traits:
        literal = final.kind == "string" or wrapped
        source = "literal" if literal else ("env" if "env" in traits else "config")
    elif "env" in traits:
        source = "env"
    elif "config" in traits:
        source = "config"
    elif "file" in traits:
        source = "file"
    elif final.kind == "name" and final.text in parameter_names:
        source = "parameter"
    elif final.kind == "call":
        source = "call"
    else:
        source = "unknown"
    text = " = ".join(mask(e.text, language) for e in chain) if len(chain) > 1 else mask(key.text, language)
    if final.kind == "string" or wrapped:
        traits.add("literal")
    if final.kind == "string" and final.value == "":
        traits.add("empty")  # a placeholder left to fill in, not a committed secret
    # Reported where the key is handed to the signing call; the expression shows the chain.
    return Secret(source=source, expression=text, line=key.line, column=key.column,
                  traits=frozenset(traits))
