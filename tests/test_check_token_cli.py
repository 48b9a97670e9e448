"""`migrate check-token` through the CLI: stdout and stderr apart, exit codes, JWKS, secrets."""

import http.server
import json
import random
import socket
import string
import subprocess
import sys
import threading
from contextlib import contextmanager

import pytest
from typer.testing import CliRunner

from migrate.cli import app

from conftest import ROOT
from token_factory import (KID, NOW, SECRET, THREAD_EXP_STRING, THREAD_NUMERIC_ID, b64url, by_hand,
                           classic_chat_claims, classic_hc_claims, hs256, iso, jwk, messaging_claims, messaging_token,
                           oidc_claims, rs256)

runner = CliRunner()


def cli(*args, input=None, env=None):
    """Run check-token at the fixed time; a crash inside the command fails the test."""
    result = runner.invoke(app, ["check-token", *args, "--now", str(NOW)], input=input, env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"check-token raised {result.exception!r}") from result.exception
    return result


def cli_json(*args, **kw):
    result = cli(*args, "--format", "json", **kw)
    return result, json.loads(result.stdout)


def rule_ids(data):
    return [f["rule"] for f in data["findings"]]


def no_traceback(result):
    assert "Traceback" not in result.stdout
    assert "Traceback" not in result.stderr


# -- exit codes and streams -----------------------------------------------------------------------

def test_clean_token_exits_0_with_report_on_stdout_only():
    r = cli(messaging_token())
    assert r.exit_code == 0, r.stdout + r.stderr
    assert r.stdout.rstrip().endswith("No problems found.")
    assert r.stderr == ""


def test_findings_exit_1_and_stay_on_stdout():
    r = cli(messaging_token(exp=NOW - 60))
    assert r.exit_code == 1
    assert "ZG214 error" in r.stdout
    assert "fix: " in r.stdout
    assert r.stdout.rstrip().endswith("1 error.")
    assert r.stderr == ""


def test_a_warning_alone_exits_1():
    r = cli(messaging_token(external_id=7))
    assert r.exit_code == 1
    assert "ZG208 warning" in r.stdout
    assert "1 warning." in r.stdout


def test_unset_secret_env_is_a_usage_error():
    r = cli(messaging_token(), "--secret-env", "MIGRATE_TEST_UNSET_VAR", env={"MIGRATE_TEST_UNSET_VAR": None})
    assert r.exit_code == 2
    assert r.stdout == ""
    assert "MIGRATE_TEST_UNSET_VAR is not set" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_secret_env_and_secret_file_together_is_a_usage_error(tmp_path):
    f = tmp_path / "secret.txt"
    f.write_text(SECRET)
    r = cli(messaging_token(), "--secret-env", "ZD_SECRET", "--secret-file", str(f), env={"ZD_SECRET": SECRET})
    assert r.exit_code == 2
    assert r.stdout == ""
    assert "not both" in r.stderr
    assert SECRET not in r.stderr


def test_unreadable_secret_file_is_a_usage_error(tmp_path):
    r = cli(messaging_token(), "--secret-file", str(tmp_path / "missing.txt"))
    assert r.exit_code == 2
    assert r.stdout == ""
    assert "missing.txt" in r.stderr
    no_traceback(r)


@pytest.mark.parametrize("what", ["missing", "directory"])
def test_unreadable_jwks_file_is_a_usage_error(tmp_path, what):
    path = tmp_path / "jwks.json" if what == "missing" else tmp_path
    r = cli(rs256(oidc_claims(), "kid-a"), "--jwks", str(path))
    assert r.exit_code == 2
    assert r.stdout == ""
    assert r.stderr.startswith("error: cannot read")
    assert len(r.stderr.strip().splitlines()) == 1
    no_traceback(r)


def test_jwks_file_that_is_not_json_is_a_usage_error(tmp_path):
    path = tmp_path / "jwks.json"
    path.write_text("<html>login</html>")
    r = cli(rs256(oidc_claims(), "kid-a"), "--jwks", str(path))
    assert r.exit_code == 2
    assert "not JSON" in r.stderr


def test_unknown_profile_is_a_usage_error():
    r = cli(messaging_token(), "--profile", "zendesk-sso")
    assert r.exit_code == 2
    assert r.stdout == ""


# -- per-rule checks through the CLI --------------------------------------------------------------

@pytest.mark.parametrize("args, expected", [
    (['"{t}"'], "ZG104"),
    (["'{t}'"], "ZG104"),
    (["b'{t}'"], "ZG104"),
])
def test_zg104_through_the_cli(args, expected):
    token = messaging_token()
    r, data = cli_json(*[a.format(t=token) for a in args])
    assert r.exit_code == 1
    assert rule_ids(data) == [expected]
    assert data["stripped"]


def test_bearer_prefix_alone_exits_0():
    r, data = cli_json("Bearer " + messaging_token())
    assert r.exit_code == 0
    assert data["findings"] == []
    assert data["stripped"] == ["Bearer "]


def test_leeway_option_silences_small_skew():
    token = messaging_token(iat=NOW + 30)
    assert cli(token).exit_code == 1
    assert cli(token, "--leeway", "60").exit_code == 0


def test_negative_leeway_is_rejected():
    assert cli(messaging_token(), "--leeway", "-5").exit_code == 2


@pytest.mark.parametrize("profile", ["zendesk-messaging", "zendesk-classic-hc"])
def test_messaging_rules_follow_the_profile_option(profile):
    r, data = cli_json(hs256(classic_hc_claims()), "--profile", profile)
    messaging_only = {"ZG205", "ZG206", "ZG207"}
    if profile == "zendesk-messaging":
        assert messaging_only <= set(rule_ids(data)) and r.exit_code == 1
    else:
        assert not messaging_only & set(rule_ids(data)) and r.exit_code == 0


def test_zg211_through_secret_env():
    import base64
    text = base64.b64encode(b"\x8f\x01zendesk-widget-secret-bytes\xfe\x00\x10 0123456789").decode()
    token = hs256(messaging_claims(), key=base64.b64decode(text), kid=KID)
    r, data = cli_json(token, "--secret-env", "ZD_SECRET", env={"ZD_SECRET": text})
    assert r.exit_code == 1
    assert data["signature"] == "verified"
    assert rule_ids(data) == ["ZG211"]
    assert data["findings"][0]["severity"] == "warning"
    assert text not in r.stdout + r.stderr


def test_zg216_wrong_secret_through_secret_env():
    r, data = cli_json(messaging_token(), "--secret-env", "ZD_SECRET", env={"ZD_SECRET": "not-" + SECRET})
    assert r.exit_code == 1
    assert data["signature"] == "mismatch"
    assert rule_ids(data) == ["ZG216"]
    assert "$ZD_SECRET" in data["signature_detail"]


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\n\n"])
def test_secret_file_with_trailing_newline_verifies(tmp_path, ending):
    f = tmp_path / "zendesk.secret"
    f.write_bytes((SECRET + ending).encode())
    r, data = cli_json(messaging_token(), "--secret-file", str(f))
    assert r.exit_code == 0, r.stdout
    assert data["signature"] == "verified"
    assert str(f) in data["signature_detail"]


def test_secret_file_with_the_wrong_secret(tmp_path):
    f = tmp_path / "zendesk.secret"
    f.write_text("old-" + SECRET + "\n")
    r, data = cli_json(messaging_token(), "--secret-file", str(f))
    assert r.exit_code == 1
    assert data["signature"] == "mismatch"
    assert rule_ids(data) == ["ZG216"]


def test_genesys_options_through_the_cli():
    claims = oidc_claims(iss="https://idp.example.com/", aud="other")
    del claims["nonce"]
    r, data = cli_json(rs256(claims, "kid-a"), "--client-id", "genesys-messenger",
                       "--issuer", "https://idp.example.com", "--nonce", "n-1")
    assert r.exit_code == 1
    assert sorted(rule_ids(data)) == ["ZG304", "ZG305", "ZG306"]
    r = cli(rs256(oidc_claims(), "kid-a"), "--client-id", "genesys-messenger",
            "--issuer", "https://idp.example.com", "--nonce", "n-0S6_WzA2Mj")
    assert r.exit_code == 0, r.stdout


def test_genesys_org_token_through_the_cli():
    raw = by_hand({"alg": "HS256"}, {"iss": "https://login.mypurecloud.ie", "exp": NOW + 60})
    r, data = cli_json(raw)
    assert "ZG301" in rule_ids(data)
    assert r.exit_code == 1


# -- JSON contract --------------------------------------------------------------------------------

def test_json_output_contract():
    r, data = cli_json(messaging_token(exp=NOW - 60, external_id=5), "--secret-env", "ZD_SECRET",
                       env={"ZD_SECRET": SECRET})
    assert r.exit_code == 1
    assert r.stderr == ""
    assert {"profile", "header", "claims", "findings", "signature"} <= set(data)
    assert data["profile"] == "zendesk-messaging"
    assert data["header"] == {"alg": "HS256", "typ": "JWT", "kid": KID}
    assert data["claims"] == messaging_claims(exp=NOW - 60, external_id=5)
    assert data["signature"] == "verified"
    assert sorted(rule_ids(data)) == ["ZG208", "ZG214"]
    for f in data["findings"]:
        assert {"rule", "severity", "message", "fix"} <= set(f)
        assert f["severity"] in ("error", "warning", "info")
        assert f["message"] and f["fix"]
    assert data["times"]["exp"] == f"{iso(NOW - 60)} (1 min ago)"


@pytest.mark.parametrize("args, status", [
    ((), "not-checked"),
    (("--secret-env", "ZD_SECRET"), "verified"),
    (("--secret-env", "ZD_WRONG"), "mismatch"),
])
def test_json_signature_status(args, status):
    r, data = cli_json(messaging_token(), *args, env={"ZD_SECRET": SECRET, "ZD_WRONG": SECRET[::-1]})
    assert data["signature"] == status
    assert r.exit_code == (1 if status == "mismatch" else 0)


def test_json_for_a_malformed_token():
    r, data = cli_json("a.b")
    assert r.exit_code == 1
    assert data["profile"] is None and data["header"] is None and data["claims"] is None
    assert data["signature"] == "not-checked"
    assert rule_ids(data) == ["ZG215"]


# -- profile guess shown --------------------------------------------------------------------------

@pytest.mark.parametrize("raw, profile", [
    (messaging_token(), "zendesk-messaging"),
    (hs256(classic_chat_claims()), "zendesk-classic-chat"),
    (hs256(classic_hc_claims()), "zendesk-classic-hc"),
    (rs256(oidc_claims(), "kid-a"), "genesys-oidc"),
])
def test_guessed_profile_is_said_in_text_and_json(raw, profile):
    text = cli(raw).stdout
    first = text.splitlines()[0]
    assert first.startswith(f"profile    {profile} (guessed: ")
    assert "--profile" in first
    _, data = cli_json(raw)
    assert data["profile"] == profile
    assert data["profile_guessed"] is True


def test_profile_option_overrides_and_is_not_called_a_guess():
    raw = hs256(classic_chat_claims())
    text = cli(raw, "--profile", "zendesk-messaging").stdout
    assert text.splitlines()[0] == "profile    zendesk-messaging (chosen with --profile)"
    assert "guessed" not in text
    _, data = cli_json(raw, "--profile", "zendesk-messaging")
    assert data["profile"] == "zendesk-messaging"
    assert data["profile_guessed"] is False


# -- wrappers -------------------------------------------------------------------------------------

@pytest.mark.parametrize("form", ['"{t}"', "'{t}'", "Bearer {t}", "b'{t}'", '"Bearer {t}"'])
def test_wrapped_forms_give_the_same_claims_as_the_bare_token(form):
    token = hs256(classic_chat_claims(external_id=99))
    _, bare = cli_json(token)
    _, wrapped = cli_json(form.format(t=token))
    assert wrapped["header"] == bare["header"]
    assert wrapped["claims"] == bare["claims"]
    assert wrapped["profile"] == bare["profile"]
    assert wrapped["stripped"] and not bare["stripped"]


def test_stripped_wrappers_are_listed_in_text():
    r = cli('"Bearer ' + messaging_token() + '"')
    assert "stripped   double quotes, Bearer" in r.stdout


# -- time display ---------------------------------------------------------------------------------

def test_times_in_text_output_are_iso_utc_and_relative():
    r = cli(messaging_token(iat=NOW - 3 * 86400, exp=NOW + 600))
    lines = r.stdout.splitlines()
    assert f"iat        {iso(NOW - 3 * 86400)} (3 days ago)" in lines
    assert f"exp        {iso(NOW + 600)} (in 10 min)" in lines


def test_expired_token_text_names_the_date():
    r = cli(messaging_token(exp=NOW - 90))
    assert f"ZG214 error   the token expired {iso(NOW - 90)} (1 min ago)" in r.stdout


def test_now_option_decides_expiry():
    token = messaging_token(exp=NOW + 300)
    late = runner.invoke(app, ["check-token", token, "--now", str(NOW + 301)])
    assert late.exit_code == 1 and "ZG214" in late.stdout
    early = runner.invoke(app, ["check-token", token, "--now", str(NOW + 299)])
    assert early.exit_code == 0


# -- the community thread tokens ------------------------------------------------------------------

def test_thread_tokens_through_the_cli():
    r, data = cli_json(THREAD_EXP_STRING)
    assert r.exit_code == 1
    assert sorted(rule_ids(data)) == ["ZG202", "ZG214"]
    assert data["times"]["exp"].startswith("1970-05-23T21:21:18Z (53 years ago)")
    r, data = cli_json(THREAD_NUMERIC_ID)
    assert r.exit_code == 1
    assert rule_ids(data) == ["ZG208"]


# -- malformed input ------------------------------------------------------------------------------

def _jwe() -> str:
    return ".".join([b64url('{"alg":"RSA-OAEP","enc":"A256GCM"}'), b64url(b"k" * 32), b64url(b"iv" * 6),
                     b64url(b"ciphertext"), b64url(b"tag" * 5)])


_GOOD = messaging_token()
_H, _P, _S = _GOOD.split(".")

MALFORMED = {
    "1 segment": (_H, "3 dot-separated segments"),
    "2 segments": (f"{_H}.{_P}", "this has 2"),
    "4 segments": (f"{_H}.{_P}.{_S}.{_S}", "this has 4"),
    "5 segments (JWE)": (_jwe(), "JWE"),
    "plus sign": (f"{_H}.{_P[:10]}+{_P[10:]}.{_S}", "'+'"),
    "slash": (f"{_H[:4]}/{_H[4:]}.{_P}.{_S}", "'/'"),
    "padding": (f"{_H}==.{_P}.{_S}", "'='"),
    "header not JSON": (f"{b64url('{alg: HS256}')}.{_P}.{_S}", "header is not JSON"),
    "payload is a list": (f"{_H}.{b64url('[1, 2, 3]')}.{_S}", "payload is JSON but not an object"),
    "payload not UTF-8": (f"{_H}.{b64url(bytes([0xff, 0xfe, 0x7b]))}.{_S}", "not UTF-8"),
    "empty": ("", "empty"),
    "only quotes": ('""', "empty"),
    "1 MB of garbage": ("".join(random.Random(1).choices(string.printable, k=1_000_000)), "too long"),
}


@pytest.mark.parametrize("name", MALFORMED)
def test_malformed_input_exits_1_with_zg215(name):
    raw, reason = MALFORMED[name]
    r = cli(raw)
    assert r.exit_code == 1
    assert "ZG215 error" in r.stdout
    assert reason in r.stdout
    assert r.stderr == ""
    no_traceback(r)


@pytest.mark.parametrize("name", ["2 segments", "payload is a list", "1 MB of garbage"])
def test_malformed_input_as_json(name):
    raw, reason = MALFORMED[name]
    r, data = cli_json(raw)
    assert r.exit_code == 1
    assert rule_ids(data) == ["ZG215"]
    assert reason in data["findings"][0]["message"]
    no_traceback(r)


def test_malformed_token_from_stdin():
    r = cli("-", input="not-a-token\n")
    assert r.exit_code == 1
    assert "ZG215" in r.stdout
    no_traceback(r)


def test_token_from_stdin_is_the_same_as_the_argument():
    token = messaging_token(external_id=3)
    _, from_arg = cli_json(token)
    r, from_stdin = cli_json("-", input=token + "\n")
    assert r.exit_code == 1
    assert from_stdin == from_arg


def test_garbage_from_stdin():
    r = cli("-", input=MALFORMED["1 MB of garbage"][0])
    assert r.exit_code == 1
    assert "ZG215" in r.stdout
    no_traceback(r)


# -- JWKS -----------------------------------------------------------------------------------------

@pytest.fixture
def jwks_file(tmp_path):
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [jwk("kid-a"), jwk("kid-b")]}))
    return path


@pytest.mark.parametrize("kid", ["kid-a", "kid-b"])
def test_jwks_rotation_each_key_verifies(jwks_file, kid):
    r, data = cli_json(rs256(oidc_claims(), kid), "--jwks", str(jwks_file))
    assert r.exit_code == 0, r.stdout
    assert data["signature"] == "verified"
    assert repr(kid) in data["signature_detail"]


def test_jwks_unknown_kid_names_the_available_ones(jwks_file):
    r, data = cli_json(rs256(oidc_claims(), "kid-c"), "--jwks", str(jwks_file))
    assert r.exit_code == 1
    assert data["signature"] == "mismatch"
    assert rule_ids(data) == ["ZG216"]
    detail = data["signature_detail"]
    assert "'kid-c' is not in" in detail and "'kid-a'" in detail and "'kid-b'" in detail


def test_jwks_key_labelled_with_another_kid_is_a_mismatch(jwks_file):
    r, data = cli_json(rs256(oidc_claims(), "kid-a", kid="kid-b"), "--jwks", str(jwks_file))
    assert r.exit_code == 1
    assert data["signature"] == "mismatch"
    assert rule_ids(data) == ["ZG216"]
    assert "'kid-b'" in data["signature_detail"]


def test_jwks_single_key_without_kid(tmp_path):
    path = tmp_path / "jwk.json"
    path.write_text(json.dumps(jwk("kid-a")))  # a bare JWK is read as a one-key set
    token = rs256(oidc_claims(), "kid-a")
    _, data = cli_json(token, "--jwks", str(path))
    assert data["signature"] == "verified"


def test_jwks_cannot_check_hs256(jwks_file):
    _, data = cli_json(hs256(oidc_claims()), "--jwks", str(jwks_file))
    assert data["signature"] == "not-checked"
    assert "ZG216" not in rule_ids(data)


class _JwksHandler(http.server.BaseHTTPRequestHandler):
    body = b""
    served: list

    def do_GET(self):  # noqa: N802
        self.served.append(self.path)
        if self.path == "/jwks.json":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(self.body)))
            self.end_headers()
            self.wfile.write(self.body)
        else:
            self.send_error(404)

    def log_message(self, *args):
        pass


@contextmanager
def jwks_server(jwks: dict, max_requests: int = 4):
    handler = type("Handler", (_JwksHandler,), {"body": json.dumps(jwks).encode(), "served": []})
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    server.timeout = 0.1
    stop = threading.Event()

    def serve():
        while not stop.is_set() and len(handler.served) < max_requests:
            server.handle_request()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler.served
    finally:
        stop.set()
        thread.join(timeout=2)
        server.server_close()


@pytest.fixture
def no_proxy(monkeypatch):
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


def test_jwks_from_a_url(no_proxy):
    with jwks_server({"keys": [jwk("kid-a"), jwk("kid-b")]}) as (base, served):
        r, data = cli_json(rs256(oidc_claims(), "kid-b"), "--jwks", f"{base}/jwks.json")
        assert r.exit_code == 0, r.stdout + r.stderr
        assert data["signature"] == "verified"
        assert served == ["/jwks.json"]
        r = cli(rs256(oidc_claims(), "kid-a"), "--jwks", f"{base}/missing.json")
        assert r.exit_code == 2
        assert "HTTP 404" in r.stderr
        no_traceback(r)


def test_jwks_url_unreachable_is_a_usage_error(no_proxy):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    r = cli(rs256(oidc_claims(), "kid-a"), "--jwks", f"http://127.0.0.1:{port}/jwks.json")
    assert r.exit_code == 2
    assert r.stdout == ""
    assert r.stderr.startswith(f"error: cannot fetch http://127.0.0.1:{port}/jwks.json")
    assert len(r.stderr.strip().splitlines()) == 1
    no_traceback(r)


# -- nothing secret in the output -----------------------------------------------------------------

def _secret_cases(tmp_path):
    token = messaging_token()
    f = tmp_path / "s.txt"
    f.write_text(SECRET + "\n")
    wrong = tmp_path / "wrong.txt"
    wrong.write_text(SECRET[:-4] + "XXXX\n")
    env = {"ZD_SECRET": SECRET, "ZD_SPACED": SECRET + "  \n"}
    return [
        ((token, "--secret-env", "ZD_SECRET"), env),  # verified
        ((token, "--secret-file", str(f)), env),  # verified after stripping the newline
        ((token, "--secret-env", "ZD_SPACED"), env),  # mismatch explained
        ((hs256(messaging_claims(), key="other-" + SECRET, kid=KID), "--secret-env", "ZD_SECRET"), env),
        ((token, "--secret-file", str(wrong)), env),
        ((token, "--secret-env", "ZD_SECRET", "--secret-file", str(f)), env),  # usage error
        ((token, "--secret-env", "ZD_SECRET", "--jwks", str(tmp_path / "none.json")), env),  # usage error
        (("a.b", "--secret-env", "ZD_SECRET"), env),  # malformed
        ((f'"{token}"', "--secret-env", "ZD_SECRET", "--profile", "genesys-oidc"), env),
    ]


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_secret_never_appears_in_output(tmp_path, fmt):
    for args, env in _secret_cases(tmp_path):
        r = cli(*args, "--format", fmt, env=env)
        assert r.exit_code in (0, 1, 2)
        out = r.stdout + r.stderr
        assert SECRET not in out, args[1:]
        assert SECRET[:16] not in out and SECRET[-16:] not in out, args[1:]
        no_traceback(r)


@pytest.mark.parametrize("fmt", ["text", "json"])
@pytest.mark.parametrize("secret", [None, SECRET, "wrong-" + SECRET])
def test_signature_segment_never_appears_in_output(fmt, secret):
    token = messaging_token(exp=NOW - 5)
    signature = token.rsplit(".", 1)[1]
    extra = ("--secret-env", "ZD_SECRET") if secret else ()
    r = cli(f"'{token}'", *extra, "--format", fmt, env={"ZD_SECRET": secret} if secret else None)
    assert r.exit_code == 1
    assert signature not in r.stdout + r.stderr
    assert token not in r.stdout + r.stderr


def test_rs256_signature_segment_never_appears(jwks_file):
    token = rs256(oidc_claims(), "kid-a", kid="kid-b")
    r = cli(token, "--jwks", str(jwks_file))
    signature = token.rsplit(".", 1)[1]
    assert signature not in r.stdout + r.stderr
    assert signature[:20] not in r.stdout + r.stderr


# -- what the command imports ---------------------------------------------------------------------

HEAVY = ("PureCloudPlatformClientV2", "libcst", "tree_sitter")

_PROBE = """
import json, sys
from migrate.cli import main
for token in sys.argv[1:]:
    sys.argv = ["migrate", "check-token", token, "--now", "1700000000"]
    try:
        main()
    except SystemExit:
        pass
heavy = sorted(m for m in sys.modules if m.split(".")[0] in {heavy!r})
print("HEAVY=" + json.dumps(heavy), file=sys.stderr)
"""


def test_check_token_does_not_import_heavy_modules(tmp_path):
    # A stand-in Genesys SDK on the path: it would show up in sys.modules if anything imported it.
    sdk = tmp_path / "PureCloudPlatformClientV2"
    sdk.mkdir()
    (sdk / "__init__.py").write_text("")
    env = {"PYTHONPATH": f"{tmp_path}", "PATH": "/usr/bin:/bin", "MIGRATE_DEBUG": "1"}
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", _PROBE.format(heavy=set(HEAVY)), "x.y.z", messaging_token()],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "ZG215" in proc.stdout and "No problems found." in proc.stdout  # both tokens were checked
    (line,) = [ln for ln in proc.stderr.splitlines() if ln.startswith("HEAVY=")]
    assert json.loads(line[len("HEAVY="):]) == []
    imported = {ln.rsplit("|", 1)[-1].strip().split(".")[0] for ln in proc.stderr.splitlines()
                if ln.startswith("import time:")}
    assert "migrate" in imported  # -X importtime did report
    assert not imported & set(HEAVY)


def test_leeway_must_be_finite_and_secrets_not_empty(tmp_path, monkeypatch):
    from typer.testing import CliRunner as _Runner

    from migrate.cli import app as _app

    token = "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjJ9.c2ln"
    for bad in ("nan", "inf"):
        r = _Runner().invoke(_app, ["check-token", token, "--leeway", bad])
        assert r.exit_code == 2 and "--leeway" in r.stderr
    monkeypatch.setenv("EMPTY_SECRET", "")
    r = _Runner().invoke(_app, ["check-token", token, "--secret-env", "EMPTY_SECRET"])
    assert r.exit_code == 2 and "not set or empty" in r.stderr
    (tmp_path / "s").write_text("\n")
    r = _Runner().invoke(_app, ["check-token", token, "--secret-file", str(tmp_path / "s")])
    assert r.exit_code == 2 and "is empty" in r.stderr


def test_relative_time_is_bounded():
    from migrate.token.times import relative

    assert relative(1e300, 0) == "in more than 9999 years"
    assert relative(0, 1e300) == "more than 9999 years ago"
