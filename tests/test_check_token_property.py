"""Whatever is pasted, `check` answers with a report, never an exception."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from migrate.rules import TokenFinding
from migrate.token.check import Options, Report, check

from token_factory import KID, NOW, SECRET, b64url

SEVERITIES = {"error", "warning", "info"}
PROFILES = ["auto", "zendesk-messaging", "zendesk-classic-chat", "zendesk-classic-hc", "genesys-oidc"]


def assert_sound(raw: str, report: Report) -> None:
    assert isinstance(report, Report)
    assert all(isinstance(f, TokenFinding) for f in report.findings)
    assert all(f.severity in SEVERITIES for f in report.findings)
    assert all(f.message and f.fix for f in report.findings)
    rules = [f.rule for f in report.findings]
    malformed = report.header is None
    assert malformed == (report.claims is None) == (report.profile is None)
    if malformed:
        assert rules == ["ZG215"]
        assert report.signature.status == "not-checked"
    else:
        assert "ZG215" not in rules
        assert isinstance(report.header, dict) and isinstance(report.claims, dict)
    if raw.count(".") != 2:  # cleaning never adds or removes a dot: never 3 segments
        assert malformed
    assert report.signature.status in ("verified", "mismatch", "not-checked")
    for shown in report.times.values():
        assert shown[:4].isdigit() or shown.startswith(("after", "before"))


@settings(max_examples=300, deadline=None, database=None)
@given(st.text())
def test_any_text(raw):
    assert_sound(raw, check(raw, Options(now=NOW)))


@settings(max_examples=300, deadline=None, database=None)
@given(st.binary(max_size=300))
def test_any_bytes_as_text(data):
    raw = data.decode("utf-8", errors="replace")
    assert_sound(raw, check(raw, Options(now=NOW)))


SEGMENT = st.one_of(
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", max_size=40),
    st.text(alphabet="eyJ0+/=_- .\"'\\", max_size=12),
    st.text(max_size=8),
    st.binary(max_size=40).map(b64url),
)


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(SEGMENT, min_size=1, max_size=6).map(".".join),
       st.sampled_from(["{}", '"{}"', "'{}'", "b'{}'", "Bearer {}", " {} \n"]))
def test_random_segments_joined_by_dots(raw, wrapper):
    raw = wrapper.format(raw)
    assert_sound(raw, check(raw, Options(now=NOW)))


JSON_SCALAR = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=-10**30, max_value=10**30),
    st.floats(), st.text(max_size=10),
    st.sampled_from(["nan", "inf", "-inf", "1e400", " 1700000000 ", "12345678", "user", "HS256", "RS256",
                     "genesys-cloud-api", "https://login.mypurecloud.ie"]),
    st.sampled_from([NOW, NOW + 300, NOW - 300, NOW * 1000, 10**400, -(10**400)]),
)
JSON_VALUE = st.recursive(JSON_SCALAR, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)), max_leaves=6)
CLAIM_NAMES = st.sampled_from(["exp", "iat", "nbf", "auth_time", "external_id", "scope", "email_verified",
                               "iss", "aud", "sub", "nonce", "jti", "name"])
HEADER_NAMES = st.sampled_from(["alg", "kid", "typ"])


def _encode(obj) -> str:
    # json.dumps writes NaN/Infinity for such floats: not JSON, so the token is malformed
    return b64url(json.dumps(obj))


@settings(max_examples=300, deadline=None, database=None)
@given(header=st.dictionaries(HEADER_NAMES, JSON_VALUE, max_size=3),
       claims=st.dictionaries(st.one_of(CLAIM_NAMES, st.text(max_size=4)), JSON_VALUE, max_size=8),
       signature=st.binary(max_size=64),
       profile=st.sampled_from(PROFILES),
       secret=st.one_of(st.none(), st.just(SECRET.encode()), st.binary(max_size=20)),
       leeway=st.sampled_from([0.0, 120.0, 1e12]),
       client_id=st.one_of(st.none(), st.just("genesys-messenger")),
       nonce=st.one_of(st.none(), st.just("n-1")))
def test_well_formed_tokens_with_any_json_values(header, claims, signature, profile, secret, leeway,
                                                 client_id, nonce):
    raw = f"{_encode(header)}.{_encode(claims)}.{b64url(signature)}"
    options = Options(profile=profile, secret=secret, now=NOW, leeway=leeway, client_id=client_id,
                      issuer="https://idp.example.com", nonce=nonce)
    report = check(raw, options)
    assert_sound(raw, report)
    text = json.dumps([header, claims])
    if "NaN" not in text and "Infinity" not in text:
        assert report.claims == claims and report.header == header


@settings(max_examples=50, deadline=None, database=None)
@given(st.dictionaries(CLAIM_NAMES, JSON_SCALAR, max_size=6), st.sampled_from(PROFILES))
def test_a_signed_token_verifies_whatever_its_claims(claims, profile):
    import jwt

    try:
        raw = jwt.encode(claims, SECRET, algorithm="HS256", headers={"kid": KID})
    except (TypeError, ValueError):  # PyJWT validates some registered claims itself
        return
    report = check(raw, Options(profile=profile, secret=SECRET.encode(), now=NOW))
    assert_sound(raw, report)
    if report.header is not None:
        assert report.signature.status == "verified"
        assert "ZG216" not in [f.rule for f in report.findings]
