"""Each token rule through the stage API `migrate.token.check.check`: when it fires and when it does not."""

import base64

import pytest

from token_factory import (KID, NOW, SECRET, THREAD_EXP_STRING, THREAD_NUMERIC_ID, by_hand, classic_chat_claims,
                           classic_hc_claims, hs256, iso, messages, messaging_claims, messaging_token, oidc_claims,
                           rs256, rules_of, run)

ZENDESK_PROFILES = ["zendesk-messaging", "zendesk-classic-chat", "zendesk-classic-hc"]


# -- clean tokens: the baseline every negative case builds on ------------------------------------

@pytest.mark.parametrize("raw, profile", [
    (messaging_token(), "zendesk-messaging"),
    (hs256(classic_chat_claims()), "zendesk-classic-chat"),
    (hs256(classic_hc_claims()), "zendesk-classic-hc"),
    (rs256(oidc_claims(), "kid-a"), "genesys-oidc"),
])
def test_a_typical_token_of_each_profile_has_no_findings(raw, profile):
    report = run(raw, profile=profile)
    assert report.findings == ()
    assert not report.failing
    assert report.profile == profile


# -- ZG104 token-extra-quotes ---------------------------------------------------------------------

@pytest.mark.parametrize("wrapped, words", [
    ('"{t}"', "double quotes"),
    ("'{t}'", "single quotes"),
    ("b'{t}'", "b'...'"),
    ('b"{t}"', "b'...'"),
    ('"Bearer {t}"', "double quotes"),
])
def test_zg104_quotes_and_bytes_wrappers(wrapped, words):
    token = messaging_token()
    report = run(wrapped.format(t=token))
    assert rules_of(report) == ["ZG104"]
    assert words in messages(report, "ZG104")[0]
    assert report.claims == run(token).claims  # still checked, with the wrapper removed


def test_zg104_not_for_bearer_prefix_alone():
    token = messaging_token()
    report = run("Bearer " + token)
    assert report.findings == ()
    assert report.wrappers == ("Bearer ",)
    assert report.claims == messaging_claims()


def test_zg104_not_for_surrounding_whitespace():
    assert run("\n  " + messaging_token() + "  \n").findings == ()


# -- ZG201 exp-in-milliseconds --------------------------------------------------------------------

def test_zg201_exp_in_milliseconds():
    exp_ms = (NOW + 300) * 1000
    report = run(messaging_token(exp=exp_ms))
    assert rules_of(report) == ["ZG201"]
    (msg,) = messages(report, "ZG201")
    assert str(exp_ms) in msg and iso(NOW + 300) in msg
    assert str(NOW + 300) in report.findings[0].fix
    assert report.times["exp"].endswith("if read as milliseconds")


def test_zg201_not_for_exp_in_seconds():
    assert "ZG201" not in rules_of(run(messaging_token(exp=NOW + 300)))


# -- ZG202 exp-not-integer ------------------------------------------------------------------------

def test_zg202_exp_as_string():
    report = run(messaging_token(exp=str(NOW + 300)))
    assert rules_of(report) == ["ZG202"]
    (msg,) = messages(report, "ZG202")
    assert msg == f'exp is the string "{NOW + 300}"; it must be a number'
    assert f'"exp": {NOW + 300}' in report.findings[0].fix


def test_zg202_iat_as_float():
    report = run(messaging_token(iat=NOW - 0.25))
    assert rules_of(report) == ["ZG202"]
    assert "iat is" in messages(report, "ZG202")[0] and "float" in messages(report, "ZG202")[0]
    assert str(NOW - 1) in report.findings[0].fix


def test_zg202_not_for_integers():
    assert "ZG202" not in rules_of(run(messaging_token(iat=NOW - 10, nbf=NOW - 10)))


def test_zg202_non_numeric_string_still_reported():
    report = run(messaging_token(exp="tomorrow"))
    assert "ZG202" in rules_of(report)
    assert "ZG214" not in rules_of(report)  # no date can be read from it


# -- ZG204 iat-skewed -----------------------------------------------------------------------------

def test_zg204_iat_in_milliseconds():
    report = run(messaging_token(iat=NOW * 1000))
    assert rules_of(report) == ["ZG204"]
    assert "milliseconds" in messages(report, "ZG204")[0]
    assert str(NOW) in report.findings[0].fix


def test_zg204_iat_in_the_future_says_by_how_many_seconds():
    report = run(messaging_token(iat=NOW + 600))
    assert rules_of(report) == ["ZG204"]
    (msg,) = messages(report, "ZG204")
    assert "600 s in the future" in msg
    assert iso(NOW + 600) in msg
    assert report.findings[0].severity == "warning"
    assert report.failing


def test_zg204_nbf_in_the_future():
    report = run(messaging_token(nbf=NOW + 90))
    (msg,) = messages(report, "ZG204")
    assert msg.startswith("nbf is") and "90 s in the future" in msg


def test_zg204_not_within_leeway():
    raw = messaging_token(iat=NOW + 60, nbf=NOW + 60)
    assert "ZG204" in rules_of(run(raw))
    assert "ZG204" not in rules_of(run(raw, leeway=60))
    assert "ZG204" not in rules_of(run(raw, leeway=300))


def test_zg204_not_for_iat_in_the_past():
    assert "ZG204" not in rules_of(run(messaging_token(iat=NOW - 5)))


@pytest.mark.parametrize("profile, claims", [
    ("zendesk-classic-chat", classic_chat_claims),
    ("zendesk-classic-hc", classic_hc_claims),
])
def test_zg204_classic_profiles_allow_two_minutes(profile, claims):
    assert "ZG204" not in rules_of(run(hs256(claims(iat=NOW + 110)), profile=profile))
    report = run(hs256(claims(iat=NOW + 130, exp=NOW + 400)), profile=profile)
    (msg,) = messages(report, "ZG204")
    assert "130 s in the future" in msg and "2 minutes" in msg


def test_zg204_messaging_allows_no_skew_without_leeway():
    assert "ZG204" in rules_of(run(messaging_token(iat=NOW + 110)))


# -- ZG205 / ZG206 / ZG207: Messaging only --------------------------------------------------------

def test_zg205_missing_kid():
    report = run(hs256(messaging_claims()), profile="zendesk-messaging")
    assert rules_of(report) == ["ZG205"]
    assert "kid" in messages(report, "ZG205")[0]


def test_zg205_empty_kid():
    report = run(hs256(messaging_claims(), kid=""), profile="zendesk-messaging")
    assert rules_of(report) == ["ZG205"]
    assert "empty" in messages(report, "ZG205")[0]


def test_zg206_missing_scope():
    claims = messaging_claims()
    del claims["scope"]
    report = run(hs256(claims, kid=KID), profile="zendesk-messaging")
    assert rules_of(report) == ["ZG206"]
    assert 'scope: "user"' in messages(report, "ZG206")[0]


def test_zg206_wrong_scope():
    report = run(messaging_token(scope="admin"))
    assert rules_of(report) == ["ZG206"]
    assert '"admin"' in messages(report, "ZG206")[0]


def test_zg207_missing_external_id():
    claims = messaging_claims()
    del claims["external_id"]
    report = run(hs256(claims, kid=KID), profile="zendesk-messaging")
    assert rules_of(report) == ["ZG207"]


def test_zg205_zg206_zg207_not_for_classic_help_center():
    """A Help Center token has no kid, scope or external_id, and needs none."""
    raw = hs256(classic_hc_claims())
    assert set(rules_of(run(raw, profile="zendesk-messaging"))) == {"ZG205", "ZG206", "ZG207"}
    assert run(raw, profile="zendesk-classic-hc").findings == ()


def test_zg205_zg206_zg207_not_when_present():
    assert not {"ZG205", "ZG206", "ZG207"} & set(rules_of(run(messaging_token())))


# -- ZG208 / ZG209 --------------------------------------------------------------------------------

def test_zg208_numeric_external_id():
    report = run(messaging_token(external_id=1042))
    assert rules_of(report) == ["ZG208"]
    assert "1042" in messages(report, "ZG208")[0]
    assert '"1042"' in report.findings[0].fix
    assert report.findings[0].severity == "warning"


def test_zg208_not_for_string_external_id_or_outside_zendesk():
    assert "ZG208" not in rules_of(run(messaging_token(external_id="1042")))
    assert "ZG208" not in rules_of(run(rs256(oidc_claims(external_id=1042), "kid-a"), profile="genesys-oidc"))


def test_zg209_email_verified_as_string():
    report = run(messaging_token(email_verified="true"))
    assert rules_of(report) == ["ZG209"]
    assert '"true"' in messages(report, "ZG209")[0]


def test_zg209_not_for_boolean():
    assert "ZG209" not in rules_of(run(messaging_token(email_verified=False)))


# -- ZG210 unsupported-algorithm ------------------------------------------------------------------

@pytest.mark.parametrize("profile", ZENDESK_PROFILES)
def test_zg210_hs512_on_zendesk(profile):
    report = run(hs256(messaging_claims(), key=SECRET * 2, alg="HS512", kid=KID), profile=profile)
    assert "ZG210" in rules_of(report)
    assert '"HS512"' in messages(report, "ZG210")[0]


def test_zg210_rs256_on_zendesk():
    report = run(rs256(messaging_claims(), "kid-a"), profile="zendesk-messaging")
    assert rules_of(report) == ["ZG210"]
    assert '"RS256"' in messages(report, "ZG210")[0]


def test_zg210_not_for_hs256_nor_for_genesys():
    assert "ZG210" not in rules_of(run(messaging_token()))
    assert "ZG210" not in rules_of(run(rs256(oidc_claims(), "kid-a"), profile="genesys-oidc"))


# -- ZG211 base64-decoded-secret ------------------------------------------------------------------

BASE64_SECRET = base64.b64encode(bytes(range(7, 55))).decode()  # the shape of a Zendesk secret


def test_zg211_signed_with_the_decoded_secret():
    raw = hs256(messaging_claims(), key=base64.b64decode(BASE64_SECRET), kid=KID)
    report = run(raw, secret=BASE64_SECRET.encode(), secret_source="$ZENDESK_SECRET")
    assert report.signature.status == "verified"
    assert report.signature.variant == "base64"
    assert rules_of(report) == ["ZG211"]
    assert "base64-decoded" in report.signature.detail


def test_zg211_not_when_signed_with_the_secret_as_text():
    raw = hs256(messaging_claims(), key=BASE64_SECRET, kid=KID)
    report = run(raw, secret=BASE64_SECRET.encode())
    assert report.signature.status == "verified"
    assert report.signature.variant == "raw"
    assert report.findings == ()


# -- ZG213 lifetime-over-limit --------------------------------------------------------------------

def test_zg213_classic_chat_token_valid_for_an_hour():
    report = run(hs256(classic_chat_claims(iat=NOW, exp=NOW + 3600)))
    assert report.profile == "zendesk-classic-chat"
    assert rules_of(report) == ["ZG213"]
    (msg,) = messages(report, "ZG213")
    assert "3600 s" in msg and "60 min" in msg and "7 minutes" in msg


def test_zg213_not_within_seven_minutes_nor_for_messaging():
    assert "ZG213" not in rules_of(run(hs256(classic_chat_claims(iat=NOW, exp=NOW + 420))))
    assert "ZG213" not in rules_of(run(messaging_token(iat=NOW, exp=NOW + 3600)))


# -- ZG214 token-expired --------------------------------------------------------------------------

def test_zg214_expired_token_shows_the_utc_date():
    report = run(messaging_token(exp=NOW - 3600))
    assert rules_of(report) == ["ZG214"]
    (msg,) = messages(report, "ZG214")
    assert msg == f"the token expired {iso(NOW - 3600)} (1 h ago)"
    assert msg.count("Z (") == 1


def test_zg214_not_before_exp_nor_within_leeway():
    assert "ZG214" not in rules_of(run(messaging_token(exp=NOW + 1)))
    assert "ZG214" not in rules_of(run(messaging_token(exp=NOW - 30), leeway=60))
    assert "ZG214" in rules_of(run(messaging_token(exp=NOW - 30), leeway=10))


# -- ZG215 token-malformed ------------------------------------------------------------------------

def test_zg215_malformed():
    report = run("eyJhbGciOiJIUzI1NiJ9.only-two")
    assert rules_of(report) == ["ZG215"]
    assert report.header is None and report.claims is None and report.profile is None
    assert report.signature.status == "not-checked"
    assert "3 dot-separated segments" in messages(report, "ZG215")[0]


def test_zg215_not_for_a_well_formed_token():
    assert "ZG215" not in rules_of(run(messaging_token()))


# -- ZG216 signature-mismatch ---------------------------------------------------------------------

def test_zg216_wrong_secret():
    report = run(messaging_token(), secret=b"another-secret-of-the-same-length-0123456789ab")
    assert report.signature.status == "mismatch"
    assert rules_of(report) == ["ZG216"]


def test_zg216_not_for_the_right_secret():
    report = run(messaging_token(), secret=SECRET.encode(), secret_source="$ZENDESK_SECRET")
    assert report.signature.status == "verified"
    assert report.signature.detail == "HS256 with the secret from $ZENDESK_SECRET"
    assert report.findings == ()


def test_zg216_secret_with_a_trailing_newline_is_explained():
    report = run(messaging_token(), secret=SECRET.encode() + b"\n", secret_source="$ZENDESK_SECRET")
    assert report.signature.status == "mismatch"
    assert "trailing newline" in report.signature.detail
    assert "trailing newline" in messages(report, "ZG216")[0]


def test_no_signature_check_without_a_secret():
    report = run(messaging_token())
    assert report.signature.status == "not-checked"
    assert "ZG216" not in rules_of(report)


# -- ZG301 api-token-for-widget -------------------------------------------------------------------

def test_zg301_genesys_org_token():
    raw = by_hand({"alg": "HS256", "typ": "JWT"},
                  {"iss": "https://login.mypurecloud.ie", "exp": NOW + 86400, "org": "0f3c"})
    report = run(raw)
    assert "ZG301" in rules_of(report)
    assert "https://login.mypurecloud.ie" in messages(report, "ZG301")[0]


def test_zg301_not_for_an_own_identity_provider():
    assert "ZG301" not in rules_of(run(rs256(oidc_claims(iss="https://login.example.com"), "kid-a")))


# -- ZG303 .. ZG306: genesys-oidc -----------------------------------------------------------------

def test_zg303_genesys_oidc_with_hs256():
    report = run(hs256(oidc_claims()), profile="genesys-oidc")
    assert rules_of(report) == ["ZG303"]
    assert '"HS256"' in messages(report, "ZG303")[0]


def test_zg303_not_for_rs256_nor_outside_genesys():
    assert "ZG303" not in rules_of(run(rs256(oidc_claims(), "kid-a"), profile="genesys-oidc"))
    assert "ZG303" not in rules_of(run(messaging_token()))


def test_zg304_audience_mismatch():
    report = run(rs256(oidc_claims(aud="other-app"), "kid-a"), client_id="genesys-messenger")
    assert rules_of(report) == ["ZG304"]
    assert "'genesys-messenger'" in messages(report, "ZG304")[0]


def test_zg304_genesys_cloud_api_audience_is_called_out():
    report = run(rs256(oidc_claims(aud="genesys-cloud-api"), "kid-a"))
    (msg,) = messages(report, "ZG304")
    assert '"genesys-cloud-api"' in msg and "no official source" in msg


def test_zg304_not_when_aud_contains_the_client_id():
    assert "ZG304" not in rules_of(run(rs256(oidc_claims(), "kid-a"), client_id="genesys-messenger"))
    listed = rs256(oidc_claims(aud=["api", "genesys-messenger"]), "kid-a")
    assert "ZG304" not in rules_of(run(listed, client_id="genesys-messenger"))


def test_zg305_issuer_mismatch():
    report = run(rs256(oidc_claims(iss="https://evil.example.com"), "kid-a"), issuer="https://idp.example.com")
    (msg,) = messages(report, "ZG305")
    assert "https://evil.example.com" in msg and "trailing slash" not in msg


def test_zg305_trailing_slash_is_noted():
    report = run(rs256(oidc_claims(iss="https://idp.example.com/"), "kid-a"), issuer="https://idp.example.com")
    assert rules_of(report) == ["ZG305"]
    assert "only a trailing slash differs" in messages(report, "ZG305")[0]


def test_zg305_not_for_the_same_issuer():
    assert "ZG305" not in rules_of(run(rs256(oidc_claims(), "kid-a"), issuer="https://idp.example.com"))


def test_zg306_missing_sub_iat_exp():
    claims = oidc_claims()
    for name in ("sub", "iat", "exp"):
        del claims[name]
    report = run(rs256(claims, "kid-a"), profile="genesys-oidc")
    assert messages(report, "ZG306") == ["missing sub, iat, exp"]


def test_zg306_nonce_missing_or_different():
    claims = oidc_claims()
    del claims["nonce"]
    missing = run(rs256(claims, "kid-a"), profile="genesys-oidc", nonce="n-0S6_WzA2Mj")
    assert messages(missing, "ZG306") == ["no nonce, but one was requested"]
    other = run(rs256(oidc_claims(nonce="n-other"), "kid-a"), nonce="n-0S6_WzA2Mj")
    assert messages(other, "ZG306") == ["the nonce differs from the one requested"]


def test_zg306_not_when_complete():
    assert "ZG306" not in rules_of(run(rs256(oidc_claims(), "kid-a"), nonce="n-0S6_WzA2Mj"))


# -- the two tokens quoted in the Zendesk community thread (post 4709220609306) -------------------

def test_thread_token_with_exp_as_a_string():
    report = run(THREAD_EXP_STRING)
    assert report.claims["exp"] == "12345678"
    assert report.profile == "zendesk-messaging"
    assert sorted(rules_of(report)) == ["ZG202", "ZG214"]
    assert messages(report, "ZG202") == ['exp is the string "12345678"; it must be a number']
    (expired,) = messages(report, "ZG214")
    assert "1970-05-23T21:21:18Z" in expired and "years ago" in expired


def test_thread_token_with_numeric_external_id():
    report = run(THREAD_NUMERIC_ID)
    assert report.claims["external_id"] == 1
    assert report.profile == "zendesk-messaging"
    assert rules_of(report) == ["ZG208"]


# -- wrappers give the same claims; profile guessing ----------------------------------------------

@pytest.mark.parametrize("form", ['"{t}"', "'{t}'", "b'{t}'", "Bearer {t}", "bearer {t}", '"Bearer {t}"',
                                  '\\"{t}\\"', "`{t}`"])
def test_quoted_and_bearer_forms_decode_like_the_bare_token(form):
    token = messaging_token(exp=NOW - 60)
    bare, wrapped = run(token), run(form.format(t=token))
    assert wrapped.header == bare.header
    assert wrapped.claims == bare.claims
    assert wrapped.profile == bare.profile
    assert wrapped.wrappers
    assert [f for f in wrapped.findings if f.rule != "ZG104"] == list(bare.findings)


@pytest.mark.parametrize("raw, profile", [
    (messaging_token(), "zendesk-messaging"),
    (hs256({"external_id": "u1", "scope": "user"}), "zendesk-messaging"),
    (hs256(classic_chat_claims()), "zendesk-classic-chat"),
    (hs256(classic_hc_claims()), "zendesk-classic-hc"),
    (rs256(oidc_claims(), "kid-a"), "genesys-oidc"),
    (hs256(oidc_claims()), "genesys-oidc"),  # nonce and iss/aud/sub still say OpenID
])
def test_profile_guessed_from_typical_claims(raw, profile):
    report = run(raw)
    assert report.guessed
    assert (report.profile, report.guessed) == (profile, True)
    assert report.profile_reason


def test_explicit_profile_overrides_the_guess():
    raw = hs256(classic_hc_claims())
    assert run(raw).profile == "zendesk-classic-hc"
    report = run(raw, profile="zendesk-messaging")
    assert (report.profile, report.guessed) == ("zendesk-messaging", False)
    assert {"ZG205", "ZG206", "ZG207"} <= set(rules_of(report))


# -- time display ---------------------------------------------------------------------------------

def test_times_in_iso_8601_utc_with_relative_text():
    report = run(messaging_token(iat=NOW - 7200, nbf=NOW - 7200, exp=NOW + 300))
    assert report.times == {
        "iat": f"{iso(NOW - 7200)} (2 h ago)",
        "nbf": f"{iso(NOW - 7200)} (2 h ago)",
        "exp": f"{iso(NOW + 300)} (in 5 min)",
    }
    assert iso(NOW) == "2023-11-14T22:13:20Z"


@pytest.mark.parametrize("payload", [
    '{"exp": NaN}', '{"exp": Infinity}', '{"iat": -Infinity}', '{"exp": ' + "9" * 5000 + "}",
])
def test_non_json_numbers_are_malformed(payload):
    report = run(by_hand({"alg": "HS256", "kid": KID}, payload))
    assert rules_of(report) == ["ZG215"]
    assert "payload is not JSON" in messages(report, "ZG215")[0]


@pytest.mark.parametrize("value", ["1e400", "-1e400", '"nan"', '"inf"', '"-inf"', '"1e400"', "9" * 400])
@pytest.mark.parametrize("name", ["exp", "iat", "nbf"])
@pytest.mark.parametrize("profile", ["zendesk-messaging", "zendesk-classic-chat", "genesys-oidc"])
def test_time_claims_that_are_no_finite_number(name, value, profile):
    """Valid JSON, but no date: reported as the wrong type, never shown as a time or compared."""
    payload = f'{{"external_id": "u", "scope": "user", "{name}": {value}}}'
    report = run(by_hand({"alg": "HS256", "kid": KID}, payload), profile=profile)
    assert ("ZG202" in rules_of(report)) == (value != "9" * 400)  # a long integer is still an integer
    assert name not in report.times
    assert not {"ZG201", "ZG204", "ZG213", "ZG214", "ZG215"} & set(rules_of(report))


@pytest.mark.parametrize("alg", [["HS256"], {"name": "HS256"}, None, 256])
def test_odd_alg_values_with_a_secret(alg):
    header = {"alg": alg, "kid": KID} if alg is not None else {"kid": KID}
    report = run(by_hand(header, messaging_claims()), secret=SECRET.encode())
    assert report.signature.status == "not-checked"
    assert "ZG210" in rules_of(report)


def test_iso_dates_keep_four_digit_years():
    from migrate.token.times import iso

    assert iso(-30610224001) == "0999-12-31T23:59:59Z"
    assert iso(0) == "1970-01-01T00:00:00Z"
