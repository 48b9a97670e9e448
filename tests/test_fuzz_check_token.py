"""check-token on generated tokens: odd JSON (lone surrogates, control sequences, long numbers, deep
nesting), broken base64, wrappers, a secret or a JWKS file (good, odd or not JSON); every run keeps
the promises of tests/test_fuzz_support.py and never prints the secret."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from hypothesis import given
from hypothesis import strategies as st

from test_fuzz_support import check, fuzz_settings, migrate
from token_factory import jwk

CANARY = "fuzz-canary-secret-5XqT9vRk"  # the HS256 secret: must never be printed

HOSTILE = ["\ud800", "\udfff", "\x1b]0;title\x07", "\x1b[2J", "\x9b31m", "\u202e", "\x00", "\r", "é",
           "\U0001f600", "9" * 4301, "[" * 50, "\\", '"', "<script>", "%s%n", "${jndi:x}"]

text = st.one_of(st.text(max_size=20),
                 st.text(alphabet=st.characters(categories=["Cs", "Cc", "Zs", "Lo"]), max_size=10),
                 hostile := st.sampled_from(range(len(HOSTILE))).map(HOSTILE.__getitem__),
                 st.lists(hostile, max_size=4).map("".join))
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.integers(min_value=10**30, max_value=10**40),
                    st.floats(allow_nan=False), text)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
                      max_leaves=8)
CLAIMS = ["external_id", "name", "email", "email_verified", "scope", "exp", "iat", "nbf", "jti", "iss", "aud",
          "sub", "nonce", "auth_time", "phone", "organization"]
claims = st.dictionaries(st.one_of(st.sampled_from(CLAIMS), text), values, max_size=8)
headers = st.fixed_dictionaries({}, optional={
    "alg": st.one_of(st.sampled_from(["HS256", "HS384", "HS512", "RS256", "ES256", "none", "None", "PS512"]), text),
    "typ": st.one_of(st.just("JWT"), text), "kid": st.one_of(st.just("fuzz"), text, values)})


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def raw_json(value, deep: int, number: bool) -> bytes:
    """JSON text of ``value`` (lone surrogates as escapes), sometimes nested very deep or holding a
    number too long for Python to read."""
    text = json.dumps(value, ensure_ascii=True)
    if deep:
        text = text[:-1] + (',"deep":' if len(text) > 2 else '"deep":') + "[" * deep + "]" * deep + "}"
    if number:
        text = text[:-1] + (',"big":' if len(text) > 2 else '"big":') + "7" * 4301 + "}"
    return text.encode()


@st.composite
def tokens(draw) -> tuple[str, bool]:
    header, body = draw(headers), draw(claims)
    parts = [raw_json(header, 0, False), raw_json(body, draw(st.sampled_from([0, 0, 0, 5000])), draw(st.booleans()))]
    form = draw(st.sampled_from(["json", "json", "json", "bytes", "not-base64", "segments"]))
    if form == "bytes":
        parts[draw(st.integers(0, 1))] = draw(st.binary(max_size=40))
    signing_input = f"{b64(parts[0])}.{b64(parts[1])}"
    signed = header.get("alg") in ("HS256", "HS384", "HS512") and draw(st.booleans())
    if signed:
        digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[header["alg"]]
        sig = hmac.new(CANARY.encode(), signing_input.encode(), digest).digest()
    else:
        sig = draw(st.binary(max_size=64))
    token = f"{signing_input}.{b64(sig)}"
    if form == "not-base64":
        at = draw(st.integers(0, len(token)))
        token = token[:at] + draw(st.sampled_from(["+", "/", "=", " ", "é", "\x00"[:0] + "%", "\u202e"])) + token[at:]
    elif form == "segments":
        token = ".".join(token.split(".")[:draw(st.integers(1, 3))] + draw(st.lists(st.just("e30"), max_size=3)))
    wrap = draw(st.sampled_from(["", "Bearer ", '"', "'", "b'"]))
    if wrap == "b'":
        token = f"b'{token}'"
    elif wrap in ('"', "'"):
        token = wrap + token + wrap
    else:
        token = wrap + token
    return token, signed


jwks_files = st.one_of(
    st.just(None),
    st.just({"keys": [jwk("fuzz")]}),
    values.map(lambda v: {"keys": v if isinstance(v, list) else [v]}),
    values,
    st.sampled_from([b"", b"null", b"<html>", b"[" * 5000, b'{"keys": [' + b"1" * 4301 + b"]}", b"\xff\xfe"]))


@fuzz_settings(quick=40, long=600)
@given(token=tokens(), profile=st.sampled_from(["auto", "zendesk-messaging", "zendesk-classic-chat",
                                                "zendesk-classic-hc", "genesys-oidc"]),
       fmt=st.sampled_from(["text", "json"]), secret=st.sampled_from(["none", "env", "file"]), jwks=jwks_files,
       stdin=st.booleans())
def test_check_token_keeps_its_promises(tmp_path_factory, token, profile, fmt, secret, jwks, stdin):
    tmp = tmp_path_factory.mktemp("tok")
    raw, signed = token
    args = ["check-token", "-" if stdin else raw, "--profile", profile, "--format", fmt, "--now", "1700000000"]
    env = {}
    if secret == "env":
        args += ["--secret-env", "FUZZ_SECRET"]
        env["FUZZ_SECRET"] = CANARY
    elif secret == "file":
        (tmp / "secret").write_text(CANARY + "\n")
        args += ["--secret-file", str(tmp / "secret")]
    if jwks is not None:
        data = jwks if isinstance(jwks, bytes) else json.dumps(jwks).encode()
        (tmp / "jwks.json").write_bytes(data)
        args += ["--jwks", str(tmp / "jwks.json")]
    r = migrate(*args, env=env, stdin=raw.encode("utf-8", "surrogatepass") if stdin else None,
                peak_file=tmp / "peak")
    check(r, secrets=(CANARY,))
    if r.code in (0, 1) and fmt == "json" and r.stdout:
        report = json.loads(r.stdout)
        if signed and secret != "none" and jwks is None and report["header"] is not None:
            assert report["signature"] in ("verified", "mismatch", "not-checked")
