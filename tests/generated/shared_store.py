"""What two processes of one site on one store owe, as two instances behind a load balancer: tests
run against the fixtures of the module that imports them, `http` and `pair` (the two processes'
Hosts behind one issuer, site_runs.ISSUER, and whatever else the module keeps beside them)."""

from __future__ import annotations

from production_checks import OFFLINE, refresh, userinfo
from relying_party import redeem, signed_in_code
from site_runs import id_token_claims


def test_a_code_from_one_process_is_redeemed_at_the_other_once(http, pair):
    a, b, _ = pair
    auth = signed_in_code(http, a, scope=OFFLINE)
    response = redeem(http, b, auth.code, auth.verifier)
    assert response.status_code == 200, response.text
    tokens = response.json()
    claims = id_token_claims(b, tokens["id_token"])
    assert claims["sub"] == "42" and claims["nonce"] == auth.nonce
    assert userinfo(http, a, tokens["access_token"]).json()["sub"] == "42"
    for host in (a, b):  # the replay is refused at either...
        replay = redeem(http, host, auth.code, auth.verifier)
        assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    # ...and revokes what the code issued, at both
    assert userinfo(http, a, tokens["access_token"]).status_code == 401
    assert userinfo(http, b, tokens["access_token"]).status_code == 401


def test_refresh_rotates_across_processes_and_reuse_at_either_revokes(http, pair):
    a, b, _ = pair
    auth = signed_in_code(http, b, scope=OFFLINE)
    first = redeem(http, a, auth.code, auth.verifier).json()
    second = refresh(http, b, first["refresh_token"])
    assert second.status_code == 200, second.text
    rotated = second.json()
    assert id_token_claims(a, rotated["id_token"])["sub"] == "42"
    reused = refresh(http, a, first["refresh_token"])
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    assert refresh(http, b, rotated["refresh_token"]).json()["error"] == "invalid_grant"
    assert userinfo(http, a, rotated["access_token"]).status_code == 401
