"""What the fuzz suites (tests/test_fuzz_*.py) share: running `migrate` as a separate process with
its wall time and peak memory measured, the promises every run must keep, and how many examples a
run tries.

`make test` runs a bounded number of examples, derandomised so that a run is repeatable;
`make fuzz` sets MIGRATE_FUZZ=long for a longer, random run (and prints hypothesis's statistics).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

LONG = os.environ.get("MIGRATE_FUZZ") == "long"

# Bounds every run must stay under, whatever the input (the SDK import alone takes ~2 s and ~150 MB).
MAX_SECONDS = 45.0
MAX_MB = 900

_RUN = r"""
import os, resource, runpy, sys
sys.argv = ["migrate"] + sys.argv[1:]
try:
    runpy.run_module("migrate", run_name="__main__", alter_sys=True)
finally:
    # VmHWM: this program's own peak. ru_maxrss would also count the test process it was forked
    # from (Linux keeps the parent's high-water mark across fork and exec).
    try:
        with open("/proc/self/status") as status:
            peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration, ValueError):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with open(os.environ["FUZZ_PEAK_FILE"], "w") as fh:
        fh.write(str(peak))
"""


def fuzz_settings(quick: int, long: int):
    """Settings for one fuzz test: `quick` examples in `make test`, `long` in `make fuzz`."""
    # No shrinking: a run takes a second or more, and the failing example is printed as found.
    return settings(max_examples=long if LONG else quick, deadline=None, derandomize=not LONG,
                    suppress_health_check=list(HealthCheck), database=None, print_blob=True,
                    phases=[Phase.explicit, Phase.reuse, Phase.generate])


@dataclass
class Ran:
    args: tuple[str, ...]
    code: int
    stdout: bytes
    stderr: bytes
    seconds: float
    peak_mb: float

    @property
    def text(self) -> str:
        return self.stdout.decode("utf-8", "replace") + self.stderr.decode("utf-8", "replace")


def migrate(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None, stdin: bytes | None = None,
            timeout: float = MAX_SECONDS + 15, peak_file: Path) -> Ran:
    """`migrate ARGS` in a fresh process (strict UTF-8 output, no debug), measured."""
    full = {k: v for k, v in os.environ.items() if not k.startswith(("GENESYSCLOUD_", "MIGRATE_"))}
    full.update({"PYTHONIOENCODING": "utf-8:strict", "NO_COLOR": "1", "FUZZ_PEAK_FILE": str(peak_file)})
    full.update(env or {})
    t = time.monotonic()
    try:
        p = subprocess.run([sys.executable, "-c", _RUN, *args], input=stdin, capture_output=True, env=full,
                           cwd=cwd, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(f"migrate {' '.join(args)[:300]} ran past {timeout:.0f} s") from exc
    seconds = time.monotonic() - t
    try:
        peak = int(peak_file.read_text()) / 1024
    except (OSError, ValueError):
        peak = 0.0
    return Ran(tuple(args), p.returncode, p.stdout, p.stderr, seconds, peak)


def check(r: Ran, *, secrets: tuple[str, ...] = (), max_seconds: float = MAX_SECONDS) -> None:
    """The promises of every run: exit 0, 1 or 2; no internal error and no traceback; valid UTF-8;
    no secret in any output (a patch's context and removed lines show a literal secret masked);
    time and memory under their bounds."""
    what = f"migrate {' '.join(r.args)[:300]}"
    tail = r.text[-1500:]
    assert r.code in (0, 1, 2), f"{what}: exit {r.code}\n{tail}"
    assert "internal error" not in r.text, f"{what}: {tail}"
    assert "Traceback (most recent call last)" not in r.text, f"{what}: {tail}"
    r.stdout.decode("utf-8")
    r.stderr.decode("utf-8")
    shown = r.stderr.decode("utf-8") + r.stdout.decode("utf-8")
    for secret in secrets:
        assert secret not in shown, f"{what}: a secret was printed"
    assert r.seconds < max_seconds, f"{what}: took {r.seconds:.1f} s"
    assert r.peak_mb < MAX_MB, f"{what}: peak memory {r.peak_mb:.0f} MB"


def snapshot(root: Path) -> dict[str, str]:
    """Every entry under root: a file's SHA-256, a link's target, a directory's mode."""
    out: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in dirnames + filenames:
            path = Path(dirpath, name)
            rel = os.fsdecode(os.fsencode(path.relative_to(root)))
            if path.is_symlink():
                out[rel] = "-> " + os.readlink(path)
            elif path.is_file():
                try:
                    out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
                except OSError as exc:
                    out[rel] = f"unreadable {exc.errno}"
            elif path.is_dir():
                out[rel] = f"dir {path.stat().st_mode & 0o7777:o}"
            else:
                out[rel] = "special"
    return out


def changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


# ---------------------------------------------------------------------------------------------
# sites: a fixture site, mutated line by line, with file-system tricks and literal secrets

TESTS = Path(__file__).resolve().parent
SITES = sorted(p.name for p in (TESTS / "fixtures" / "sites").iterdir() if p.is_dir())
CANARY = "fuzz-canary-literal-Wd4Jc8Zp"  # a literal signing secret: never printed

# Zendesk signers whose secret is a literal, in each language's own literal forms.
SIGNERS = {
    "zd_sign.js": ("const jwt = require('jsonwebtoken');\n// Zendesk Messaging token\n"
                   "function zendeskToken(u) {\n  return jwt.sign({ external_id: String(u.id), scope: 'user' }, "
                   "`%s`, { keyid: 'app_1' });\n}\nmodule.exports = { zendeskToken };\n"),
    "zd_sign.py": ("import jwt\n\n\ndef zendesk_token(user):\n    # Zendesk Messaging token\n"
                   "    return jwt.encode({'external_id': str(user.id), 'scope': 'user'}, r'%s', algorithm='HS256',\n"
                   "                      headers={'kid': 'app_1'})\n"),
    "zd_sign.rb": ("require 'jwt'\n\n# Zendesk Messaging token\ndef zendesk_token(user)\n"
                   "  JWT.encode({ external_id: user.id.to_s, scope: 'user' }, %%q(%s), 'HS256', { kid: 'app_1' })\n"
                   "end\n"),
    "zd_sign.php": ("<?php\nuse Firebase\\JWT\\JWT;\n\n// Zendesk Messaging token\nfunction zendesk_token($u) {\n"
                    "    $key = <<<'KEY'\n%s\nKEY;\n"
                    "    return JWT::encode(['external_id' => (string) $u->id, 'scope' => 'user'], $key, 'HS256', "
                    "'app_1');\n}\n"),
    "zd_sign.go": ("package main\n\nimport \"github.com/golang-jwt/jwt/v5\"\n\n// Zendesk Messaging token\n"
                   "func zendeskToken(id string) (string, error) {\n"
                   "\tt := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{\"external_id\": id, "
                   "\"scope\": \"user\"})\n\tt.Header[\"kid\"] = \"app_1\"\n\treturn t.SignedString([]byte(`%s`))\n}\n"),
}

HOSTILE_LINES = [
    "x = " + "[" * 1500 + "]" * 1500,
    '// "' + "\\" * 60,
    "a" * 200_000,
    "<!--" * 5000,
    "var t = " + "'a<' +" * 3000 + "'';",
    'algorithm = "\\ud800HS256"',
    "claim = '" + "-" * 10_000 + "'",
    "\x1b]0;owned\x07 \x1b[2J \x9b \x00",
    "\u202e gnp.exe",
    "zE('messenger', 'loginUser', function (cb) { cb(tok); });",
    '<script id="ze-snippet" src="https://static.zdassets.com/ekr/snippet.js?key=abc"></script>',
    "jwt.sign({ external_id: 1 }, process.env.S)",
    "{" * 400,
    "'''" + "\\" * 30,
    "<?php " * 1000,
]


@st.composite
def mutations(draw) -> list[tuple[float, int | str | bytes]]:
    """Where (a fraction of the file's lines) and what to insert: a hostile line, random text or bytes."""
    line = st.one_of(st.integers(0, len(HOSTILE_LINES) - 1),  # HOSTILE_LINES[i], named by index to keep reports short
                     st.text(max_size=80), st.binary(max_size=40),
                     st.text(alphabet=st.characters(categories=["Cc", "Cs", "Zl"]), max_size=10))
    return draw(st.lists(st.tuples(st.floats(0, 1), line), max_size=4))


@st.composite
def sites(draw) -> dict:
    return {
        "site": draw(st.sampled_from(SITES)),
        "signers": draw(st.lists(st.sampled_from(sorted(SIGNERS)), max_size=2, unique=True)),
        "mutate": draw(st.lists(st.tuples(st.integers(0, 10_000), mutations()), max_size=3)),
        "whole": draw(st.sampled_from(["", "", "crlf", "bom", "truncate", "latin1"])),
        "tricks": draw(st.lists(st.sampled_from(["odd-name", "outside-link", "outside-dir-link", "fifo", "dangling",
                                                 "gitignore", "loop", "empty", "deep-dirs"]),
                                max_size=3, unique=True)),
    }


def build_site(spec: dict, root: Path, outside: Path) -> None:
    """The site `spec` describes, at root; `outside` holds files the run must never change or print."""
    import shutil

    shutil.copytree(TESTS / "fixtures" / "sites" / spec["site"], root)
    outside.mkdir(parents=True, exist_ok=True)
    (outside / "secret.txt").write_text(f"ZENDESK_SECRET={CANARY}\n")
    (outside / "server.js").write_text("const jwt = require('jsonwebtoken');\njwt.sign({ external_id: '1' }, "
                                       f"'{CANARY}');\n")
    for name in spec["signers"]:
        (root / name).write_text(SIGNERS[name] % CANARY)
    files = sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())
    for index, inserts in spec["mutate"]:
        path = files[index % len(files)]
        if path.name in SIGNERS:
            continue  # the canary stays a literal secret
        data = path.read_bytes()
        lines = data.split(b"\n")
        for where, what in inserts:
            what = HOSTILE_LINES[what] if isinstance(what, int) else what
            piece = what if isinstance(what, bytes) else what.encode("utf-8", "surrogatepass")
            lines.insert(int(where * len(lines)), piece)
        data = b"\n".join(lines)
        if spec["whole"] == "crlf":
            data = data.replace(b"\n", b"\r\n")
        elif spec["whole"] == "bom":
            data = b"\xef\xbb\xbf" + data
        elif spec["whole"] == "truncate":
            data = data[:len(data) * 2 // 3]
        elif spec["whole"] == "latin1":
            data = data.replace(b"e", b"\xe9", 1)
        path.write_bytes(data)
    for trick in spec["tricks"]:
        if trick == "odd-name":
            (root / os.fsdecode(b"tok\xff\x1b]0;x\x07en.js")).write_text("zE('messenger', 'open');\n")
        elif trick == "outside-link":
            (root / "linked_server.js").symlink_to(outside / "server.js")
        elif trick == "outside-dir-link":
            (root / "shared").symlink_to(outside)
        elif trick == "fifo":
            os.mkfifo(root / "pipe.js")
        elif trick == "dangling":
            (root / "gone.py").symlink_to(root / "missing.py")
        elif trick == "gitignore":
            (root / ".gitignore").write_text("*a*a*a*a*a*a*a*a*b\n!*.py\n[z-a].js\n" + "a" * 5000 + "\n")
            (root / ("a" * 80 + ".js")).write_text("zE('messenger', 'open');\n")
        elif trick == "loop":
            (root / "loop").mkdir()
            (root / "loop" / "again").symlink_to(root / "loop")
        elif trick == "empty":
            (root / "empty.py").write_bytes(b"")
        elif trick == "deep-dirs":
            deep = root.joinpath(*["d"] * 60)
            deep.mkdir(parents=True)
            (deep / "token.js").write_text(SIGNERS["zd_sign.js"] % CANARY)


def test_the_runner_measures_and_checks(tmp_path):
    r = migrate("check-token", "eyJhbGciOiJIUzI1NiJ9.e30.AAAA", "--format", "json", peak_file=tmp_path / "peak")
    check(r)
    assert r.code == 0 or r.code == 1
    assert json.loads(r.stdout)["header"] == {"alg": "HS256"}
    assert 10 < r.peak_mb < MAX_MB and 0 < r.seconds < MAX_SECONDS
    bad = Ran(("x",), 139, b"", b"", 1.0, 10.0)
    try:
        check(bad)
    except AssertionError as exc:
        assert "exit 139" in str(exc)
    else:
        raise AssertionError("a crash passed the checks")
