"""MIGRATION_GUIDE.md, run: every command in its ```sh blocks is executed, in the guide's order, against a
git copy of examples/shop and a fake Genesys Cloud on 127.0.0.1, and must exit with the code written next
to it (`# exit N`). The placeholders the reader fills in ($SITE, $TOKEN, $ISSUER...) get values made here.

`migrate ...` lines run in-process through the real CLI; `cd` and variable assignments change the state
later lines see; any other line (git, ls, openssl, mv) runs under bash in the current directory.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import os
import re
import shlex
import shutil
import stat
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from typer.testing import CliRunner

from migrate.cli import app

import fakegenesys as fg
from conftest import ROOT
from fakegenesys import sdk_home  # noqa: F401  (fixture)

GUIDE = ROOT / "MIGRATION_GUIDE.md"
TEXT = GUIDE.read_text(encoding="utf-8")

SYMPTOMS = [
    'Widget 401 / "Invalid JWT"',
    "Token works for the API but not the widget",
    "`invalid_grant`",
    "`invalid_client`",
    "Re-authenticate loop every 15 minutes",
    "Clock skew",
    "Quotes around the token",
    "Classic settings ignored by Messaging",
]

# Values the test owns: the guide's own assignments to these are examples for the reader.
TEST_OWNED = {
    "HOME", "SITE", "ISSUER", "DEPLOYMENT_ID", "SECRETS", "TOKEN", "ID_TOKEN", "NONCE", "API_TOKEN",
    "SKEWED_TOKEN", "ZENDESK_MESSAGING_SECRET", "GENESYSCLOUD_OAUTHCLIENT_ID", "GENESYSCLOUD_OAUTHCLIENT_SECRET",
    "GENESYSCLOUD_API_HOST",
}
ZENDESK_SECRET = "zd-messaging-key-Vq3Lx8Tn2Rk6Wp9Hs4Jd7Fb1"
NONCE = "n-Gx4pQ2sT8vZ1wK6y"
SHOP_USER = {"id": 4217, "name": "Ada Lovelace", "email": "ada@example.com"}  # examples/shop/users.js


# --- reading the guide ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Command:
    line: int          # where it starts in the guide (1-based)
    text: str          # the command, without its comment
    comment: str       # the trailing comment, "" when none

    @property
    def words(self) -> list[str]:
        return shlex.split(self.text)

    @property
    def kind(self) -> str:
        words = self.words
        if words[0] == "migrate":
            return "migrate"
        if words[0] == "cd":
            return "cd"
        if re.match(r"^(?:export\s+)?[A-Za-z_]\w*=", self.text):
            return "assign"
        return "shell"

    @property
    def exit(self) -> int | None:
        m = re.match(r"\s*exit\s+(\d+)\b", self.comment)
        return int(m.group(1)) if m else None

    def __str__(self) -> str:
        return f"MIGRATION_GUIDE.md:{self.line}: {self.text}"


def fenced_blocks(text: str) -> list[tuple[str, int, list[str]]]:
    """(language, line number of the first content line, lines) for every ``` block."""
    blocks, lang, start, body = [], None, 0, []
    for number, line in enumerate(text.splitlines(), 1):
        fence = re.match(r"^```(\S*)\s*$", line)
        if fence and lang is None:
            lang, start, body = fence.group(1), number + 1, []
        elif line.strip() == "```" and lang is not None:
            blocks.append((lang, start, body))
            lang = None
        elif lang is not None:
            body.append(line)
    assert lang is None, "MIGRATION_GUIDE.md has an unclosed ``` block"
    return blocks


def split_comment(line: str) -> tuple[str, str]:
    """Shell code and trailing comment: a # outside quotes, at the start or after a blank."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip(), line[i + 1:].strip()
    return line.rstrip(), ""


def sh_commands(text: str) -> list[Command]:
    commands = []
    for lang, start, lines in fenced_blocks(text):
        if lang != "sh":
            continue
        pending, first = "", 0
        for offset, raw in enumerate(lines):
            code, comment = split_comment(raw)
            if not pending:
                first = start + offset
            if code.endswith("\\"):
                pending += code[:-1] + " "
                continue
            code = (pending + code).strip()
            pending = ""
            if code:
                commands.append(Command(first, code, comment))
    return commands


COMMANDS = sh_commands(TEXT)
RUN = [c for c in COMMANDS if c.kind in ("migrate", "shell")]


# --- tokens the reader would paste --------------------------------------------------------------------

def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def zendesk_token_as_copied() -> str:
    """What examples/shop's /zendesk/jwt answers with ZENDESK_KEY_ID unset, copied from the browser's
    Network tab: res.json(token) puts it in quotes; exp comes from Date.now() (milliseconds)."""
    now = int(time.time())
    claims = {"external_id": SHOP_USER["id"], "name": SHOP_USER["name"], "email": SHOP_USER["email"],
              "email_verified": True, "scope": "user", "exp": now * 1000 + 3600, "iat": now}
    return json.dumps(jwt.encode(claims, ZENDESK_SECRET, algorithm="HS256"))


def skewed_token() -> str:
    """A Classic Chat token from a signing server whose clock runs three minutes ahead."""
    iat = int(time.time()) + 180
    claims = {"name": SHOP_USER["name"], "email": SHOP_USER["email"], "external_id": str(SHOP_USER["id"]),
              "iat": iat, "exp": iat + 300}
    return jwt.encode(claims, ZENDESK_SECRET, algorithm="HS256")


def org_api_token() -> str:
    """A JWT from a Genesys org OAuth client (client credentials), as a page might have handed it over."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    return jwt.encode({"iss": "https://login.mypurecloud.ie", "exp": now + 86400, "org": fg.ORG_ID}, key,
                      algorithm="RS256", headers={"kid": "genesys-login"})


@functools.cache
def private_key(pem: bytes) -> rsa.RSAPrivateKey:
    return serialization.load_pem_private_key(pem, password=None)  # checking a 3072-bit key takes a while


def public_jwk(key_file: Path) -> dict:
    key = private_key(key_file.read_bytes())
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    thumbprint = json.dumps({"e": jwk["e"], "kty": "RSA", "n": jwk["n"]}, separators=(",", ":"), sort_keys=True)
    jwk.update(kid=b64url(hashlib.sha256(thumbprint.encode("ascii")).digest()), alg="RS256", use="sig")
    return jwk


def id_token(key_file: Path, issuer: str) -> str:
    """An ID token as the site's provider issues it, signed with the key `generate --apply` created."""
    key = private_key(key_file.read_bytes())
    now = int(time.time())
    claims = {"iss": issuer, "sub": str(SHOP_USER["id"]), "aud": "genesys-messenger", "iat": now, "exp": now + 300,
              "auth_time": now, "nonce": NONCE, "name": SHOP_USER["name"], "email": SHOP_USER["email"],
              "email_verified": True}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": public_jwk(key_file)["kid"], "typ": "JWT"})


class GuideGenesys(fg.FakeGenesys):
    """The fake Genesys, also serving the site's JWKS under its issuer (ISSUER/jwks.json)."""

    key_file: Path | None = None

    def answer(self, method, path, headers, body):
        if method == "GET" and path == "/idp/jwks.json":
            if self.key_file is None or not self.key_file.is_file():
                return 404, {}, {"error": "no signing key yet"}
            return 200, {}, {"keys": [public_jwk(self.key_file)]}
        return super().answer(method, path, headers, body)


# --- running it ---------------------------------------------------------------------------------------

@dataclass
class Result:
    exit: int | None
    stdout: str
    stderr: str
    error: str = ""    # why the line could not run at all


@dataclass
class Session:
    cwd: Path
    vars: dict[str, str | Callable[[], str]]
    cleared: tuple[str, ...] = ("MIGRATE_SECRETS_DIR", "XDG_CONFIG_HOME", "MIGRATE_HTTP_BUDGET", "HTTP_PROXY",
                                "HTTPS_PROXY", "http_proxy", "https_proxy", "GENESYSCLOUD_REGION")
    runner: CliRunner = field(default_factory=CliRunner)

    def value(self, name: str) -> str:
        if name not in self.vars:
            raise KeyError(f"${name} is neither set by an earlier line of the guide nor by this test")
        v = self.vars[name]
        return v() if callable(v) else v

    def expand(self, word: str) -> str:
        if word == "~" or word.startswith("~/"):
            word = self.value("HOME") + word[1:]
        return re.sub(r"\$(?:\{(\w+)\}|(\w+))", lambda m: self.value(m.group(1) or m.group(2)), word)

    def environment(self, text: str) -> dict[str, str]:
        """Plain values, plus the computed ones this line refers to."""
        env = {k: v for k, v in self.vars.items() if isinstance(v, str)}
        for name in re.findall(r"\$\{?(\w+)", text):
            if name in self.vars:
                env[name] = self.value(name)
        return env

    def bash(self, script: str, text: str) -> subprocess.CompletedProcess:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "NO_PROXY": "127.0.0.1,localhost",
               **self.environment(text)}
        return subprocess.run(["bash", "-c", script], cwd=self.cwd, env=env, capture_output=True, text=True,
                              timeout=60)

    def run(self, cmd: Command) -> Result:
        try:
            return getattr(self, "_" + cmd.kind)(cmd)
        except KeyError as exc:
            return Result(None, "", "", str(exc.args[0]))

    def _cd(self, cmd: Command) -> Result:
        self.cwd = Path(self.expand(cmd.words[1]))
        return Result(0, "", "")

    def _assign(self, cmd: Command) -> Result:
        names = [w.split("=", 1)[0] for w in cmd.words if w != "export"]
        show = " ".join(f'"${{{n}}}"' for n in names)
        p = self.bash(f"{cmd.text}\nprintf '%s\\0' {show}", cmd.text)
        if p.returncode == 0:
            for name, value in zip(names, p.stdout.split("\0")):
                if name not in TEST_OWNED:
                    self.vars[name] = value
        return Result(p.returncode, "", p.stderr)

    def _shell(self, cmd: Command) -> Result:
        p = self.bash(cmd.text, cmd.text)
        return Result(p.returncode, p.stdout, p.stderr)

    def _migrate(self, cmd: Command) -> Result:
        argv = [self.expand(w) for w in cmd.words[1:]]
        env = {**dict.fromkeys(self.cleared), **self.environment(cmd.text), "NO_PROXY": "127.0.0.1,localhost",
               "no_proxy": "127.0.0.1,localhost"}
        here = os.getcwd()
        os.chdir(self.cwd)
        try:
            r = self.runner.invoke(app, argv, env=env)
        finally:
            os.chdir(here)
        error = "" if r.exception is None or isinstance(r.exception, SystemExit) else repr(r.exception)
        return Result(r.exit_code, r.stdout, r.stderr, error)


@dataclass
class GuideRun:
    results: dict[int, Result]
    site: Path
    home: Path
    secrets: Path
    client_secrets: set[str]
    seconds: float


def _git(site: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "shop", "GIT_AUTHOR_EMAIL": "shop@example.com",
           "GIT_COMMITTER_NAME": "shop", "GIT_COMMITTER_EMAIL": "shop@example.com", "GIT_CONFIG_GLOBAL": os.devnull}
    subprocess.run(["git", *args], cwd=site, env=env, check=True, capture_output=True)


@pytest.fixture(scope="module")
def guide_run(sdk_home, tmp_path_factory) -> GuideRun:  # noqa: F811  (sdk_home: the SDK is imported with an empty HOME)
    started = time.monotonic()
    base = tmp_path_factory.mktemp("guide")
    site, home = base / "shop", base / "home"
    shutil.copytree(ROOT / "examples" / "shop", site)
    home.mkdir()
    _git(site, "init", "-q")
    _git(site, "add", "-A")
    _git(site, "commit", "-q", "-m", "the shop, with the Zendesk widget")

    fake = GuideGenesys(lifetime=120, max_requests=400)
    issuer = fake.issuer  # http://127.0.0.1:PORT/idp: generate accepts http for loopback only
    fake.org.discovery = {**fake.discovery_document(), "jwks_uri": issuer + "/jwks.json"}
    secrets = home / ".config" / "migrate" / "127.0.0.1"  # generate's default folder for this issuer
    fake.key_file = secrets / "oidc-signing-key.pem"
    api_token = org_api_token()
    session = Session(cwd=base, vars={
        "HOME": str(home), "SITE": str(site), "ISSUER": issuer, "DEPLOYMENT_ID": fg.DEPLOYMENT_ID,
        "SECRETS": str(secrets), "TOKEN": zendesk_token_as_copied(), "ZENDESK_MESSAGING_SECRET": ZENDESK_SECRET,
        "API_TOKEN": api_token, "SKEWED_TOKEN": skewed_token, "NONCE": NONCE,
        "ID_TOKEN": lambda: id_token(fake.key_file, issuer),
        "GENESYSCLOUD_OAUTHCLIENT_ID": fg.CLIENT_ID, "GENESYSCLOUD_OAUTHCLIENT_SECRET": fg.SECRET,
        "GENESYSCLOUD_API_HOST": fake.url, "MIGRATE_HTTP_TIMEOUT": "5",
    })
    results, client_secrets = {}, set()
    with fake:
        for cmd in COMMANDS:
            results[cmd.line] = session.run(cmd)
            if (secrets / "client-secret").is_file():
                client_secrets.add((secrets / "client-secret").read_text().strip())
    return GuideRun(results, site, home, secrets, client_secrets, time.monotonic() - started)


# --- the tests ----------------------------------------------------------------------------------------

def test_the_guide_has_commands_for_every_step():
    words = [c.words[:2] for c in COMMANDS if c.kind == "migrate"]
    for sub in ("scan", "rules", "check-token", "generate", "verify-scopes", "verify-deployment"):
        assert ["migrate", sub] in words, f"no `migrate {sub}` command in a ```sh block"
    texts = [c.text for c in COMMANDS]
    assert any("--apply" in t for t in texts) and any("--patch-file" in t for t in texts)
    assert any(t.startswith("git apply -R ") and "--check" not in t for t in texts), "no rollback command"


def test_every_command_says_its_exit_code():
    missing = [str(c) for c in RUN if c.exit is None]
    assert not missing, "commands without `# exit N`:\n" + "\n".join(missing)


def test_commands_live_in_sh_blocks_only():
    langs = {lang for lang, _, _ in fenced_blocks(TEXT)}
    assert langs <= {"sh", "text", "mermaid", "yaml", "js", "json", "diff"}, langs
    for lang, start, lines in fenced_blocks(TEXT):
        if lang != "sh":
            assert not any(re.match(r"\s*\$?\s*migrate ", line) for line in lines), \
                f"a migrate command in a ```{lang} block at line {start}: put commands in ```sh blocks"


@pytest.mark.parametrize("cmd", COMMANDS, ids=lambda c: f"line{c.line}")
def test_command_runs_as_the_guide_says(guide_run, cmd):
    r = guide_run.results[cmd.line]
    out = r.stdout + r.stderr
    assert not r.error, f"{cmd}\n{r.error}"
    assert "Traceback" not in out and "No such option" not in out, f"{cmd}\n{out}"
    expected = 0 if cmd.exit is None else cmd.exit  # cd and assignments must simply work
    assert r.exit == expected, f"{cmd}\nexit {r.exit}, the guide says {expected}\n{out}"
    if cmd.kind == "migrate":
        # what the comment promises: rule IDs it names, and text it quotes, are in the output
        for rule in re.findall(r"ZG\d{3}", cmd.comment):
            assert rule in out, f"{cmd}\nthe comment names {rule}, the output does not\n{out}"
        for quoted in re.findall(r'"([^"]+)"', cmd.comment):
            assert quoted in out, f"{cmd}\nthe comment quotes {quoted!r}, the output does not\n{out}"


def test_no_secret_is_ever_printed(guide_run):
    secrets = {fg.SECRET, fg.TOKEN, ZENDESK_SECRET, *guide_run.client_secrets}
    assert guide_run.client_secrets, "generate --apply created no client secret"
    for cmd in RUN:
        r = guide_run.results[cmd.line]
        for s in secrets:
            assert s not in r.stdout + r.stderr, f"{cmd} printed a secret"


def test_the_secrets_are_where_the_guide_says_with_mode_0600(guide_run):
    for name in ("client-secret", "oidc-signing-key.pem"):
        path = guide_run.secrets / name
        assert path.is_file(), f"{path} missing"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, oct(path.stat().st_mode)
    assert not list(guide_run.site.rglob("client-secret")) and not list(guide_run.site.rglob("*.pem")), \
        "a secret was written inside the project"
    assert private_key((guide_run.secrets / "oidc-signing-key.pem").read_bytes()).key_size >= 2048


def test_the_rollback_restores_the_zendesk_site(guide_run):
    """The guide's rollback (git apply -R) leaves the work tree as it was before the move."""
    status = subprocess.run(["git", "status", "--porcelain"], cwd=guide_run.site, capture_output=True, text=True,
                            check=True).stdout
    assert status == "", status
    assert "static.zdassets.com/ekr/snippet.js" in (guide_run.site / "views" / "index.html").read_text()


def test_the_whole_guide_runs_quickly(guide_run):
    assert guide_run.seconds < 30, f"running the guide took {guide_run.seconds:.1f} s"


def test_the_guide_has_mermaid_sequence_diagrams():
    diagrams = [lines for lang, _, lines in fenced_blocks(TEXT) if lang == "mermaid"]
    assert len(diagrams) >= 2, "the Zendesk and the Genesys model each need a Mermaid sequence diagram"
    for lines in diagrams:
        body = [line.strip() for line in lines if line.strip()]
        assert body[0] == "sequenceDiagram"
        declared = set()
        for line in body[1:]:
            if line == "autonumber":
                continue
            if m := re.fullmatch(r"participant (\w+) as (.+)", line):
                assert not re.search(r"[-<>:,;#]", m.group(2)), f"Mermaid cuts a participant name at: {line}"
                declared.add(m.group(1))
                continue
            m = (re.fullmatch(r"(\w+)--?>>(\w+): (.+)", line)
                 or re.fullmatch(r"Note over (\w+)(?:,(\w+))?: (.+)", line))
            assert m, f"not a sequence diagram line: {line}"
            assert {p for p in m.groups()[:2] if p} <= declared, f"undeclared participant in: {line}"
            assert not re.search(r"[;#]", m.group(3)), f"';' and '#' break Mermaid messages: {line}"
    genesys = next(lines for lines in diagrams if any("oauthcodegrantjwtexchange" in line for line in lines))
    assert any("getAuthCode" in line for line in genesys)


def test_the_troubleshooting_section_covers_each_symptom():
    section = TEXT.split("## 13. Troubleshooting", 1)[1].split("\n## ", 1)[0]
    headings = re.findall(r"^### (.+)$", section, re.M)
    assert headings == SYMPTOMS
    for title, body in zip(headings, re.split(r"^### .+$", section, flags=re.M)[1:]):
        for part in ("**Cause.**", "**How `migrate` shows it.**", "**Fix.**"):
            assert part in body, f"{title}: no {part}"
        assert re.search(r"^```sh\nmigrate ", body, re.M), f"{title}: no `migrate` command that shows it"
        anchor = "#" + re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")
        assert f"]({anchor})" in section, f"the symptom index does not link to {title} ({anchor})"


def test_every_link_inside_the_guide_has_its_heading():
    anchors = {"#" + re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-")
               for h in re.findall(r"^#{2,4} (.+)$", TEXT, re.M)}
    links = set(re.findall(r"\]\((#[^)]+)\)", TEXT))
    assert links and links <= anchors, sorted(links - anchors)


def test_every_rule_id_in_the_guide_exists():
    r = CliRunner().invoke(app, ["rules"])
    assert r.exit_code == 0
    known = set(re.findall(r"^(ZG\d{3})\s", r.stdout, re.M))
    mentioned = set(re.findall(r"\bZG\d{3}\b", TEXT))
    assert mentioned and mentioned <= known, sorted(mentioned - known)


def _options(*command: str) -> set[str]:
    r = CliRunner().invoke(app, [*command, "--help"], terminal_width=200)
    assert r.exit_code == 0, command
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", r.stdout))


def test_every_flag_the_guide_names_exists():
    subs = ("scan", "rules", "check-token", "generate", "apply", "keys", "verify-scopes", "verify-deployment",
            "rotate-key")
    options = {s: _options(s) for s in subs}
    everywhere = set().union(*options.values()) | _options()
    # the text without the non-migrate command lines (git, openssl), whose flags are theirs
    others = {c.line for c in COMMANDS if c.kind != "migrate"}
    prose = "\n".join(line for n, line in enumerate(TEXT.splitlines(), 1) if n not in others)
    named = set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", prose)) - {"--check"}
    assert named <= everywhere, sorted(named - everywhere)
    # `migrate SUB --flag` written in the prose: the flag belongs to that command
    for span in re.findall(r"`migrate ([a-z-]+)([^`]*)`", prose):
        sub, rest = span
        assert sub in subs, f"`migrate {sub}` is not a command"
        for flag in re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", rest):
            assert flag in options[sub], f"`migrate {sub}` has no {flag}"


def test_unconfirmed_behaviour_is_marked():
    """What no official source documents is never stated as fact."""
    for topic in ("accepted signing algorithms", "caches the JWKS", "clock-skew tolerance",
                  "exactly when it does", "menu paths", "base64-decoded"):
        at = TEXT.find(topic)
        assert at >= 0, f"the guide no longer mentions {topic!r}"
        assert "unconfirmed" in TEXT[max(0, at - 300):at + 300], f"{topic!r} is not marked (unconfirmed)"
    for myth in re.finditer(r"genesys-cloud-api", TEXT):
        near = TEXT[max(0, myth.start() - 300):myth.end() + 300]
        assert "no official source" in near or "ZG304" in near, "aud genesys-cloud-api stated without the warning"


# --- claims of the guide's prose, checked against the tool ------------------------------------------

def _shop_copy(tmp_path: Path) -> Path:
    site = tmp_path / "shop"
    shutil.copytree(ROOT / "examples" / "shop", site)
    return site


def _invoke(site: Path, *args: str, secrets: Path):
    here = os.getcwd()
    os.chdir(site)
    try:
        return CliRunner().invoke(app, list(args), env={"MIGRATE_SECRETS_DIR": str(secrets)})
    finally:
        os.chdir(here)


def test_one_migrate_yaml_holds_generates_settings_and_a_scan_section(tmp_path):
    """Step 6: the settings in migrate.yaml spare later runs the flags; README: scan options live in
    the same file's `scan:` section. Each command reads its part and leaves the other's alone."""
    settings = next("\n".join(lines) for lang, _, lines in fenced_blocks(TEXT)
                    if lang == "yaml" and any(line.startswith("deployment_id:") for line in lines))
    site = _shop_copy(tmp_path)
    (site / "migrate.yaml").write_text(settings + "\nscan:\n  ignore: [ZG208]\n", encoding="utf-8")
    secrets = tmp_path / "secrets"

    scan = _invoke(site, "scan", ".", "--format", "json", secrets=secrets)
    assert scan.exit_code == 1, scan.output
    rules = {f["rule"] for f in json.loads(scan.stdout)["findings"]}
    assert "ZG201" in rules and "ZG208" not in rules  # the file's scan section is applied

    gen = _invoke(site, "generate", ".", secrets=secrets)  # no flags: region, deployment and issuer from the file
    assert gen.exit_code == 0, gen.output
    assert "https://shop.example.com/oidc/.well-known/openid-configuration" in gen.stderr

    # A misspelt setting is still named, by both commands.
    (site / "migrate.yaml").write_text(settings.replace("region:", "regoin:"), encoding="utf-8")
    for args in (("scan", "."), ("generate", ".")):
        r = _invoke(site, *args, secrets=secrets)
        assert r.exit_code == 2 and "regoin" in r.stderr, (args, r.output)
    assert not secrets.exists(), "a dry run wrote secrets"


def test_generate_json_counts_lines_in_the_new_files_as_the_summary_does(tmp_path):
    """Step 6 and the `invalid_grant` entry read `generate --format json`; its reasons' "line N" is the
    line the text summary (and the patch header) give: in the file as it will be."""
    site, secrets = _shop_copy(tmp_path), tmp_path / "secrets"
    flags = ["--region", "eu-west-1", "--deployment-id", fg.DEPLOYMENT_ID, "--issuer", "https://shop.example.com/oidc"]
    text = _invoke(site, "generate", ".", *flags, secrets=secrets)
    data = json.loads(_invoke(site, "generate", ".", *flags, "--format", "json", secrets=secrets).stdout)
    summary = set(re.findall(r"^  ([^:\n]+): (line \d+: .*)$", text.stderr, re.M))
    from_json = {(c["path"], r) for c in data["changes"] for r in c["reasons"] if r.startswith("line ")}
    assert from_json and from_json <= summary, sorted(from_json - summary)
    assert _invoke(site, "generate", ".", *flags, "--apply", secrets=secrets).exit_code == 0
    checked = 0
    for c in data["changes"]:
        for reason in c["reasons"]:
            m = re.match(r"line (\d+): (\S+ \S+) -> TODO\(migrate:(ZG\d{3})\)", reason)
            if m:  # the line named holds the TODO the reason announces, or the call it comments out
                lines = (site / c["path"]).read_text(encoding="utf-8").splitlines()
                near = "\n".join(lines[int(m.group(1)) - 1:int(m.group(1)) + 1])
                assert f"TODO(migrate:{m.group(3)})" in near, (reason, near)
                checked += 1
    assert checked == 2  # the example's two ZG107 decisions


def _text_block_after(marker: str) -> list[str]:
    """The lines of the first ```text block after `marker` in the guide."""
    at = TEXT.index(marker)
    return next(lines for lang, start, lines in fenced_blocks(TEXT)
                if lang == "text" and sum(len(x) + 1 for x in TEXT.splitlines()[:start - 1]) > at)


def test_the_scan_output_shown_in_step_3_is_what_scan_prints(guide_run):
    shown = _text_block_after("## 3. Scan the site")
    printed = guide_run.results[next(c.line for c in COMMANDS if c.text == "migrate scan .")].stdout.splitlines()
    for line in shown:
        if line.startswith("Found "):  # the time it took varies
            assert any(p.startswith(line.split(" (")[0]) for p in printed), line
        else:
            assert line in printed, f"step 3 shows a line scan does not print:\n{line}"
    assert len(shown) >= len([p for p in printed if p.strip()]) - 1, "step 3 leaves out lines scan prints"


def test_the_generate_and_genesys_steps_shown_are_what_generate_prints(tmp_path):
    """Steps 6 and 10 quote generate's report on the example with the guide's own values; every line
    they show (but the ones they abridge with ...) is printed."""
    values = dict(re.findall(r"^(ISSUER|DEPLOYMENT_ID)=(\S+)", TEXT, re.M))
    site, secrets = _shop_copy(tmp_path), tmp_path / "home" / ".config" / "migrate" / "shop.example.com"
    flags = ["--region", "eu-west-1", "--deployment-id", values["DEPLOYMENT_ID"], "--issuer", values["ISSUER"]]
    before = _invoke(site, "generate", ".", *flags, secrets=secrets)
    assert before.exit_code == 0, before.output
    assert _invoke(site, "keys", ".", "--issuer", values["ISSUER"], secrets=secrets).exit_code == 0
    after = _invoke(site, "generate", ".", *flags, secrets=secrets)  # the keys exist now: "never shown here"
    short = values["DEPLOYMENT_ID"].split("-")[0] + "-..."
    for marker, printed in (("## 6. Generate the Genesys side", before.stderr),
                            ("## 10. Configure Genesys Cloud", after.stderr)):
        printed = printed.replace(str(secrets), "/home/you/.config/migrate/shop.example.com")
        lines = printed.replace(values["DEPLOYMENT_ID"], short).splitlines()
        for line in _text_block_after(marker):
            if line.strip() == "...":
                continue
            if line.rstrip().endswith("..."):  # abridged: its start is printed
                head = line.rstrip()[:-3].rstrip()
                assert any(p.startswith(head) for p in lines), f"{marker}: no line starts with\n{head}"
            else:
                assert line in lines, f"{marker} shows a line generate does not print:\n{line}"


def test_the_exit_code_table_has_a_row_for_every_command():
    table = TEXT.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    named = {c for row in re.findall(r"^\| ((?:`[a-z-]+`(?:, )?)+) \|", table, re.M)
             for c in re.findall(r"`([a-z-]+)`", row)}
    listed = CliRunner().invoke(app, ["--help"], terminal_width=200).stdout.split("Commands:", 1)[1]
    assert named == set(re.findall(r"^\s{2}([a-z][a-z-]+)\s", listed, re.M))
