"""`migrate verify-scopes` with the real Genesys SDK against the fake Genesys on 127.0.0.1,
plus the transport's limits (timeouts, retries, time budget) and the import-cost promise."""

import json
import re
import subprocess
import sys
import time

import pytest
from typer.testing import CliRunner

from migrate.cli import app
from migrate.genesys import client as gclient
from migrate.genesys.model import Policy
from migrate.genesys.scopes import grants, purposes, required, scopes_for, self_permission

import fakegenesys as fg
from fakegenesys import sdk_home  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("sdk_home")

runner = CliRunner()
CLEAR = {"GENESYSCLOUD_OAUTHCLIENT_ID": None, "GENESYSCLOUD_OAUTHCLIENT_SECRET": None, "GENESYSCLOUD_REGION": None,
         "GENESYSCLOUD_API_HOST": None, "MIGRATE_HTTP_TIMEOUT": None, "MIGRATE_HTTP_BUDGET": None}


def run(host: str, *args: str, **env: str | None):
    full = dict(CLEAR, GENESYSCLOUD_OAUTHCLIENT_ID=fg.CLIENT_ID, GENESYSCLOUD_OAUTHCLIENT_SECRET=fg.SECRET,
                GENESYSCLOUD_API_HOST=host, MIGRATE_HTTP_TIMEOUT="3")
    full.update(env)
    r = runner.invoke(app, ["verify-scopes", *args], env=full)
    assert fg.SECRET not in r.stdout and fg.SECRET not in r.stderr, "the client secret was printed"
    assert fg.TOKEN not in r.stdout and fg.TOKEN not in r.stderr, "the access token was printed"
    assert "Traceback" not in r.stdout + r.stderr
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    return r


def scopes_json(host: str, *args: str, **env: str | None) -> tuple[int, dict]:
    r = run(host, "--format", "json", *args, **env)
    return r.exit_code, json.loads(r.stdout)


def test_complete_rights_exit_0_for_verify_and_deploy():
    with fg.FakeGenesys() as fake:
        r = run(fake.url, "--for", "deploy")
        assert r.exit_code == 0, r.stdout + r.stderr
        assert "Nothing missing." in r.stdout
        assert f"{fg.CLIENT_ID} 'migrate-verify' (CLIENT-CREDENTIALS, active)" in r.stdout
        assert "Messenger Admin (a1b2c3d4-0000-4000-8000-000000000001): all divisions" in r.stdout
        assert "can never authenticate Messenger" in r.stdout
        assert r.stderr == ""
        code, data = scopes_json(fake.url)
    assert code == 0 and data["ok"] and data["missing"] == []
    assert data["client"] == {"id": fg.CLIENT_ID, "name": "migrate-verify", "grant_type": "CLIENT-CREDENTIALS",
                              "state": "active"}
    assert data["organization"] == "Shop Inc"
    assert {p["status"] for p in data["permissions"]} == {"granted"}
    assert data["roles"][0]["divisions"] == ["*"]
    # every call the issue names was made, through the one fake host
    assert {"/oauth/token", "/api/v2/tokens/me", f"/api/v2/oauth/clients/{fg.CLIENT_ID}",
            f"/api/v2/authorization/roles/{fg.ROLE_ID}"} <= set(fake.paths())


def test_read_only_rights_pass_verify_and_name_what_deploy_misses():
    org = fg.Org(roles={fg.ROLE_ID: {"name": "Messenger Viewer", "permissionPolicies": [
        fg.policy("webdeployments", "deployment", "view"), fg.policy("webdeployments", "configuration", "view"),
        fg.policy("integrations", "integration", "view")]}},
        role_divisions=[{"roleId": fg.ROLE_ID, "divisionId": "home-division-id"}])
    with fg.FakeGenesys(org) as fake:
        assert run(fake.url, "--for", "verify").exit_code == 0
        r = run(fake.url, "--for", "deploy")
        code, data = scopes_json(fake.url, "--for", "deploy")
    assert r.exit_code == 1 and code == 1
    assert "9 permissions missing" in r.stdout
    assert re.search(r"^  webDeployments:deployment:add +create web deployments$", r.stdout, re.M)
    assert "division home-division-id" in r.stdout
    assert [m["permission"] for m in data["missing"]] == [
        "webDeployments:deployment:add", "webDeployments:deployment:edit", "webDeployments:configuration:add",
        "webDeployments:configuration:edit", "integrations:integration:add", "integrations:integration:edit",
        # Terraform replaces a resource by deleting it (provider resource docs, "Permissions and Scopes")
        "webDeployments:deployment:delete", "webDeployments:configuration:delete", "integrations:integration:delete"]
    assert all(m["operation"] for m in data["missing"])
    assert re.search(r"^  webDeployments:configuration:delete +delete a Messenger configuration", r.stdout, re.M)
    granted = {p["permission"]: p["granted_by"] for p in data["permissions"] if p["status"] == "granted"}
    assert granted == {"webDeployments:deployment:view": ["Messenger Viewer"],
                       "webDeployments:configuration:view": ["Messenger Viewer"],
                       "integrations:integration:view": ["Messenger Viewer"]}


def test_wildcards_in_entity_and_action_and_any_case_count():
    org = fg.Org(roles={fg.ROLE_ID: {"name": "Wide", "permissionPolicies": [
        fg.policy("WebDeployments", "*", "*"), fg.policy("integrations", "integration", "VIEW", "*")]}})
    with fg.FakeGenesys(org) as fake:
        code, data = scopes_json(fake.url, "--for", "deploy")
    assert code == 0 and data["missing"] == []


def test_wildcard_matching_rules():
    p = Policy("webdeployments", "*", ("view",))
    assert grants(p, "webDeployments:deployment:view")
    assert grants(p, "WEBDEPLOYMENTS:configuration:VIEW")
    assert not grants(p, "webDeployments:deployment:edit")
    assert not grants(p, "integrations:integration:view")  # no wildcard in the domain
    assert grants(Policy("integrations", "integration", ("*",)), "integrations:integration:add")
    assert not grants(Policy("integrations", "action", ("*",)), "integrations:integration:add")


def test_roles_split_over_several_roles_and_divisions():
    other = "a1b2c3d4-0000-4000-8000-000000000099"
    org = fg.Org(roles={
        fg.ROLE_ID: {"name": "Deployments", "permissionPolicies": [fg.policy("webdeployments", "*", "view")]},
        other: {"name": "Integrations", "permissionPolicies": [fg.policy("integrations", "integration", "view")]}},
        role_divisions=[{"roleId": fg.ROLE_ID, "divisionId": "*"}, {"roleId": other, "divisionId": "div-a"},
                        {"roleId": other, "divisionId": "div-b"}])
    with fg.FakeGenesys(org) as fake:
        code, data = scopes_json(fake.url)
    assert code == 0
    assert {r["name"]: r["divisions"] for r in data["roles"]} == {"Deployments": ["*"],
                                                                 "Integrations": ["div-a", "div-b"]}


def test_code_grant_client_is_explained_with_what_to_create():
    org = fg.Org(grant_type="CODE")
    with fg.FakeGenesys(org) as fake:
        r = run(fake.url)
        code, data = scopes_json(fake.url)
    assert r.exit_code == 1 and code == 1
    assert "Client Credentials" in r.stdout and "Code Authorization" in r.stdout
    assert "Add Client" in r.stdout and "webDeployments:deployment:view" in r.stdout
    assert "can never authenticate Messenger" in r.stdout
    assert "unconfirmed: that this refusal means" in r.stdout
    assert data["problem"] and data["fix"] and not data["ok"]


def test_code_grant_client_seen_in_tokens_me():
    org = fg.Org(grant_type="CODE", token_for_any_grant=True)
    with fg.FakeGenesys(org) as fake:
        r = run(fake.url)
    assert r.exit_code == 1
    assert "grant type is CODE, not Client Credentials" in r.stdout
    assert "A Code Authorization client signs a person in" in r.stdout
    assert "Grant Type 'Client Credentials'" in r.stdout


def test_bad_secret_exit_2_one_line():
    with fg.FakeGenesys() as fake:
        t = time.monotonic()
        r = run(fake.url, GENESYSCLOUD_OAUTHCLIENT_SECRET="wrong-secret")
    assert r.exit_code == 2
    assert r.stdout == ""
    assert "refused the client id or secret (401, invalid_client)" in r.stderr
    assert "region" in r.stderr  # the next step names the usual cause
    assert len(r.stderr.strip().splitlines()) == 1
    assert "wrong-secret" not in r.stderr
    assert time.monotonic() - t < 5


def test_403_on_roles_is_the_missing_role_view_permission():
    org = fg.Org(forbidden={"/api/v2/authorization/roles/"})
    with fg.FakeGenesys(org) as fake:
        r = run(fake.url)
        code, data = scopes_json(fake.url)
    assert r.exit_code == 1 and code == 1
    assert "authorization:role:view" in r.stdout and "read the client's roles" in r.stdout
    assert "not allowed to read it (403)" in r.stdout
    assert [m["permission"] for m in data["missing"]] == ["authorization:role:view"]
    assert {p["status"] for p in data["permissions"]} == {"unknown"}
    assert data["roles"][0]["readable"] is False


def test_403_on_the_client_falls_back_to_tokens_me():
    org = fg.Org(forbidden={"/api/v2/oauth/clients/"})
    with fg.FakeGenesys(org) as fake:
        code, data = scopes_json(fake.url)
    assert code == 1
    assert [m["permission"] for m in data["missing"]] == ["oauth:client:view"]
    assert data["client"]["grant_type"] == "CLIENT-CREDENTIALS"
    assert {p["status"] for p in data["permissions"]} == {"granted"}


def test_403_on_tokens_me_cannot_tell_and_server_text_is_not_markup():
    org = fg.Org(forbidden={"/api/v2/tokens/me"})
    with fg.FakeGenesys(org) as fake:
        r = run(fake.url)
    assert r.exit_code == 2
    assert "reading tokens/me: not allowed (403)" in r.stderr
    assert "[/api/v2/tokens/me]" in r.stderr  # brackets from the server are shown, not eaten as markup


def test_429_then_success_honours_retry_after():
    org = fg.Org(rate_limited={"/api/v2/tokens/me": 1}, retry_after="1")
    with fg.FakeGenesys(org) as fake:
        t = time.monotonic()
        r = run(fake.url)
        elapsed = time.monotonic() - t
        assert fake.paths().count("/api/v2/tokens/me") == 2
    assert r.exit_code == 0, r.stderr
    assert 1.0 <= elapsed < 5


def test_429_with_a_long_retry_after_gives_up_at_once():
    org = fg.Org(rate_limited={"/api/v2/tokens/me": 5}, retry_after="120")
    with fg.FakeGenesys(org) as fake:
        t = time.monotonic()
        r = run(fake.url)
    assert r.exit_code == 2
    assert "rate limiting" in r.stderr and "120 s" in r.stderr
    assert time.monotonic() - t < 3


def test_hanging_api_times_out_with_a_clear_message():
    org = fg.Org(hang="/api/v2/tokens/me")
    with fg.FakeGenesys(org, hang_seconds=10) as fake:
        t = time.monotonic()
        r = run(fake.url, MIGRATE_HTTP_TIMEOUT="1")
        elapsed = time.monotonic() - t
    assert r.exit_code == 2
    assert "reading tokens/me" in r.stderr and "did not answer within 1 s" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert elapsed < 4


def test_the_time_budget_bounds_the_whole_command():
    org = fg.Org(hang="/oauth/token")
    with fg.FakeGenesys(org, hang_seconds=10) as fake:
        t = time.monotonic()
        r = run(fake.url, MIGRATE_HTTP_TIMEOUT="20", MIGRATE_HTTP_BUDGET="1.5")
        elapsed = time.monotonic() - t
    assert r.exit_code == 2
    assert "did not answer" in r.stderr
    assert elapsed < 3


def test_default_limits_end_within_30_seconds():
    assert gclient.DEFAULT_BUDGET + 2 <= gclient.HARD_LIMIT <= 30
    limits = gclient.limits_from_env({})
    assert limits.budget == gclient.DEFAULT_BUDGET and limits.timeout == gclient.DEFAULT_TIMEOUT
    # the environment can lower the budget, never raise it
    assert gclient.limits_from_env({"MIGRATE_HTTP_BUDGET": "600", "MIGRATE_HTTP_TIMEOUT": "600"}).budget <= 25
    # the worst case of any one request (every connection attempt timing out, backoff, then a
    # read timeout) fits in the time left, whatever the per-request timeout asks for
    for remaining in (25.0, 12.0, 5.0, 1.5, 0.9):
        for timeout in (0.5, 1.0, 10.0, 25.0):
            plan = gclient.request_timeouts(remaining, timeout)
            if plan is None:
                continue
            connect, read = plan
            worst = (gclient.CONNECT_RETRIES + 1) * connect + gclient._BACKOFF_TOTAL + read
            assert worst <= remaining + 1e-9 and read > 0 and connect > 0
    assert gclient.request_timeouts(0.1, 10) is None


def test_connection_refused_is_retried_then_one_line():
    host = f"http://127.0.0.1:{fg.free_port()}"
    t = time.monotonic()
    r = run(host)
    assert r.exit_code == 2
    assert "connection refused" in r.stderr and "3 attempts" in r.stderr
    assert time.monotonic() - t < 5


def test_connection_failures_are_retried_with_backoff(monkeypatch):
    import urllib3.connection

    attempts = []
    real = urllib3.connection.HTTPConnection.connect

    def counting(self):
        attempts.append(time.monotonic())
        return real(self)

    monkeypatch.setattr(urllib3.connection.HTTPConnection, "connect", counting)
    with pytest.raises(gclient.GenesysError) as info:
        gclient.connect(gclient.Credentials("id", "secret"), f"http://127.0.0.1:{fg.free_port()}",
                        gclient.Deadline(10), gclient.Limits(timeout=2))
    assert info.value.kind == "network"
    assert len(attempts) == gclient.CONNECT_RETRIES + 1 == 3
    assert attempts[-1] - attempts[0] >= 0.4  # backoff before the last attempt


def test_usage_errors_exit_2_before_any_network():
    r = run(None, GENESYSCLOUD_API_HOST=None)
    assert r.exit_code == 2 and "GENESYSCLOUD_REGION" in r.stderr
    r = run(None, "--region", "mars-1", GENESYSCLOUD_API_HOST=None)
    assert r.exit_code == 2 and "unknown region" in r.stderr
    r = run("http://127.0.0.1:9", GENESYSCLOUD_OAUTHCLIENT_SECRET=None)
    assert r.exit_code == 2 and "GENESYSCLOUD_OAUTHCLIENT_SECRET is not set" in r.stderr
    r = run("http://127.0.0.1:9", "--client-secret-env", "MY_SECRET")
    assert r.exit_code == 2 and "MY_SECRET is not set" in r.stderr
    r = run("http://127.0.0.1:9", MIGRATE_HTTP_TIMEOUT="soon")
    assert r.exit_code == 2 and "MIGRATE_HTTP_TIMEOUT" in r.stderr
    r = run("ftp://example.com")
    assert r.exit_code == 2 and "--api-host" in r.stderr


def test_flags_and_secret_env_name():
    with fg.FakeGenesys() as fake:
        r = run(None, "--client-id", fg.CLIENT_ID, "--client-secret-env", "SHOP_GENESYS_SECRET", "--api-host",
                fake.url + "/", GENESYSCLOUD_OAUTHCLIENT_ID=None, GENESYSCLOUD_OAUTHCLIENT_SECRET=None,
                GENESYSCLOUD_API_HOST=None, SHOP_GENESYS_SECRET=fg.SECRET)
    assert r.exit_code == 0, r.stderr


def test_region_names_the_real_host():
    assert gclient.resolve_host("eu-west-1", None) == "https://api.mypurecloud.ie"
    assert gclient.resolve_host("prod-euw1", "http://127.0.0.1:8080/") == "http://127.0.0.1:8080"
    assert gclient.resolve_host(None, "api.mypurecloud.de") == "https://api.mypurecloud.de"


def test_permission_sets_are_data_with_an_operation_each():
    assert set(purposes()) == {"verify", "deploy"}
    verify = [r.permission for r in required("verify")]
    assert verify == ["webDeployments:deployment:view", "webDeployments:configuration:view",
                      "integrations:integration:view"]
    deploy = [r.permission for r in required("deploy")]
    assert deploy[:3] == verify and len(deploy) == len(set(p.lower() for p in deploy)) == 12
    assert {"webDeployments:deployment:delete", "webDeployments:configuration:delete",
            "integrations:integration:delete"} <= set(deploy)
    assert all(r.operation for r in required("deploy"))
    assert self_permission("authorization:role:view").operation
    assert "webdeployments:readonly" in scopes_for("verify")
    with pytest.raises(KeyError):
        required("everything")


def test_help_does_not_import_the_sdk():
    code = ("import sys\n"
            "from typer.testing import CliRunner\n"
            "from migrate.cli import app\n"
            "r = CliRunner().invoke(app, ['--help'])\n"
            "assert r.exit_code == 0 and 'verify-scopes' in r.stdout and 'verify-deployment' in r.stdout\n"
            "r = CliRunner().invoke(app, ['verify-scopes', '--help'])\n"
            "assert r.exit_code == 0\n"
            "print('PureCloudPlatformClientV2' in sys.modules, 'urllib3' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "False"]


def test_api_host_with_credentials_or_bad_ipv6_is_a_usage_error_that_shows_no_password():
    from migrate.genesys.client import GenesysError, resolve_host

    for bad in ("http://proxyuser:pw123@127.0.0.1:1", "http://[::1"):
        with pytest.raises(GenesysError) as info:
            resolve_host(None, bad)
        assert info.value.kind == "usage" and "pw123" not in info.value.message
