"""`migrate verify-deployment` with the real Genesys SDK against the fake Genesys on 127.0.0.1."""

import json
import time

import pytest
from typer.testing import CliRunner

from migrate.cli import app
from migrate.genesys.client import Deadline, GenesysError, Limits, connect
from migrate.genesys.deployment import issuer_and_discovery, verify_deployment
from migrate.genesys.model import Credentials

import fakegenesys as fg
from fakegenesys import sdk_home  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("sdk_home")

runner = CliRunner()
CLEAR = {"GENESYSCLOUD_OAUTHCLIENT_ID": None, "GENESYSCLOUD_OAUTHCLIENT_SECRET": None, "GENESYSCLOUD_REGION": None,
         "GENESYSCLOUD_API_HOST": None, "MIGRATE_HTTP_TIMEOUT": None, "MIGRATE_HTTP_BUDGET": None}


def run(fake: fg.FakeGenesys, *args: str, issuer: bool = True, origin: str | None = "https://shop.example.com",
        **env: str | None):
    argv = ["verify-deployment", "--deployment-id", fg.DEPLOYMENT_ID, *args]
    if issuer:
        argv += ["--issuer", fake.issuer]
    if origin:
        argv += ["--site-origin", origin]
    full = dict(CLEAR, GENESYSCLOUD_OAUTHCLIENT_ID=fg.CLIENT_ID, GENESYSCLOUD_OAUTHCLIENT_SECRET=fg.SECRET,
                GENESYSCLOUD_API_HOST=fake.url, MIGRATE_HTTP_TIMEOUT="3")
    full.update(env)
    r = runner.invoke(app, argv, env=full)
    assert fg.SECRET not in r.stdout + r.stderr and fg.TOKEN not in r.stdout + r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    return r


def checks(fake: fg.FakeGenesys, *args: str, **kw) -> tuple[int, dict[str, dict], dict]:
    r = run(fake, "--format", "json", *args, **kw)
    data = json.loads(r.stdout)
    return r.exit_code, {c["name"]: c for c in data["checks"]}, data


def status(by_name: dict[str, dict]) -> dict[str, str]:
    return {name: c["status"] for name, c in by_name.items()}


def test_a_ready_deployment_passes_every_check():
    with fg.FakeGenesys() as fake:
        r = run(fake)
        code, by_name, data = checks(fake)
    assert r.exit_code == 0, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    assert lines[1].split() == ["ok", "deployment", "'Shop'", "is", "Active"]
    assert [line.split()[1] for line in lines[1:8]] == [
        "deployment", "configuration", "authentication", "integration", "discovery-uri", "discovery-document",
        "site-origin"]
    assert "All 7 checks passed." in r.stdout
    # the ID-token algorithm Genesys accepts is undocumented: said so
    assert "unconfirmed: which ID-token signing algorithms Genesys accepts" in r.stdout
    assert code == 0 and data["ok"] and set(status(by_name).values()) == {"ok"}
    assert "version 2" in by_name["configuration"]["message"]


def test_without_issuer_and_origin_only_the_genesys_side_is_checked():
    with fg.FakeGenesys() as fake:
        code, by_name, data = checks(fake, issuer=False, origin=None)
    assert code == 0
    assert list(by_name) == ["deployment", "configuration", "authentication", "integration"]
    assert any("--issuer" in n for n in data["notes"])


def test_inactive_deployment():
    org = fg.Org()
    org.deployment["status"] = "Inactive"
    with fg.FakeGenesys(org) as fake:
        r = run(fake)
    assert r.exit_code == 1
    assert "FAIL  deployment" in r.stdout and "'Shop' is Inactive, not Active" in r.stdout
    assert "1 check failed." in r.stdout


def test_missing_deployment():
    with fg.FakeGenesys() as fake:
        code, by_name, _ = checks(fake, "--deployment-id", "00000000-0000-4000-8000-000000000000")
    assert code == 1
    assert by_name["deployment"]["status"] == "fail" and "does not exist" in by_name["deployment"]["message"]
    assert {c["status"] for n, c in by_name.items() if n != "deployment"} == {"skip"}


def test_unpublished_configuration_version():
    org = fg.Org()
    org.versions[2] = fg.version("2", published=False, auth=fg.auth_on(), status="Pending")
    with fg.FakeGenesys(org) as fake:
        code, by_name, _ = checks(fake)
    assert code == 1
    assert by_name["configuration"]["status"] == "fail"
    assert by_name["configuration"]["message"] == "version 2 of 'Shop Messenger' is not published (status Pending)"
    assert status(by_name)["authentication"] == "skip"
    assert status(by_name)["site-origin"] == "ok"  # independent of the configuration


def test_never_published_configuration():
    org = fg.Org(versions=[fg.version("DRAFT", published=False, auth=fg.auth_on())])
    org.deployment["configuration"]["version"] = "DRAFT"
    with fg.FakeGenesys(org) as fake:
        code, by_name, _ = checks(fake)
    assert code == 1
    assert "never been published" in by_name["configuration"]["message"]


def test_authentication_disabled():
    org = fg.Org()
    org.versions = [fg.version("1", auth={"enabled": False}), fg.version("DRAFT", published=False,
                                                                          auth={"enabled": False})]
    org.deployment["configuration"]["version"] = "1"
    with fg.FakeGenesys(org) as fake:
        r = run(fake)
        code, by_name, _ = checks(fake)
    assert r.exit_code == 1 and code == 1
    assert "FAIL  authentication" in r.stdout and "authentication is off in version 1" in r.stdout
    assert status(by_name) == {"deployment": "ok", "configuration": "ok", "authentication": "fail",
                               "integration": "skip", "discovery-uri": "skip", "discovery-document": "skip",
                               "site-origin": "ok"}


def test_authentication_on_only_in_the_unpublished_draft():
    org = fg.Org()
    org.versions = [fg.version("DRAFT", published=False, auth=fg.auth_on(), modified="2025-03-02T10:00:00.000Z"),
                    fg.version("1", auth={"enabled": False}, modified="2025-01-15T10:00:00.000Z")]
    org.deployment["configuration"]["version"] = "1"
    with fg.FakeGenesys(org) as fake:
        code, by_name, _ = checks(fake)
    assert code == 1
    assert by_name["configuration"]["status"] == "warn" and "draft has changes" in by_name["configuration"]["message"]
    assert by_name["authentication"]["hint"] == ("the draft turns authentication on but is not published: "
                                                 "publish the configuration")


def test_integration_missing():
    org = fg.Org(integrations={})
    with fg.FakeGenesys(org) as fake:
        r = run(fake)
        code, by_name, _ = checks(fake)
    assert r.exit_code == 1 and code == 1
    assert "FAIL  integration" in r.stdout and "does not exist (deleted?)" in r.stdout
    assert "OpenID Connect Messenger Configuration" in by_name["integration"]["hint"]
    assert status(by_name)["discovery-uri"] == "skip"


def test_integration_inactive():
    org = fg.Org()
    org.integrations[fg.INTEGRATION_ID]["reportedState"] = {"code": "ERROR"}
    with fg.FakeGenesys(org) as fake:
        code, by_name, _ = checks(fake)
    assert code == 1
    assert by_name["integration"]["message"].endswith("is enabled but reports ERROR")


def test_discovery_uri_mismatch():
    org = fg.Org(discovery_uri="https://login.other-idp.example/.well-known/openid-configuration")
    with fg.FakeGenesys(org) as fake:
        r = run(fake)
        code, by_name, _ = checks(fake)
    assert r.exit_code == 1 and code == 1
    assert "FAIL  discovery-uri" in r.stdout
    assert "https://login.other-idp.example/.well-known/openid-configuration, not " + fake.issuer in r.stdout
    assert status(by_name)["discovery-document"] == "ok"  # the issuer's own document is still checked


def test_discovery_document_without_an_asymmetric_alg_fails():
    with fg.FakeGenesys() as fake:
        doc = fake.discovery_document()
        doc.update(code_challenge_methods_supported=["plain"], id_token_signing_alg_values_supported=["HS256"])
        fake.org.discovery = doc
        code, by_name, _ = checks(fake)
    assert code == 1
    message = by_name["discovery-document"]["message"]
    assert "no asymmetric algorithm" in message and "only HS256" in message
    assert "PKCE" not in message and "code_challenge" not in message  # PKCE is not what fails it


def test_identity_provider_that_does_not_advertise_pkce_passes_with_a_note():
    """Microsoft Entra ID's discovery document has no code_challenge_methods_supported, though it
    supports S256; Genesys treats PKCE as optional (codeVerifier "required if PKCE flow is enabled")."""
    with fg.FakeGenesys() as fake:
        doc = fake.discovery_document()
        del doc["code_challenge_methods_supported"]
        fake.org.discovery = doc
        r = run(fake)
        code, by_name, data = checks(fake)
    assert r.exit_code == 0 and code == 0, r.stdout
    assert by_name["discovery-document"]["status"] == "ok"
    assert by_name["discovery-document"]["message"].endswith("code flow, RS256")
    assert any("does not advertise PKCE S256" in n and "optional" in n for n in data["notes"])
    assert "note: the discovery document does not advertise PKCE S256" in r.stdout


def test_discovery_document_issuer_mismatch_and_unreachable():
    with fg.FakeGenesys() as fake:
        doc = fake.discovery_document()
        doc["issuer"] = "https://elsewhere.example"
        fake.org.discovery = doc
        code, by_name, _ = checks(fake)
        assert code == 1 and "its issuer is https://elsewhere.example" in by_name["discovery-document"]["message"]
        r = run(fake, "--issuer", fake.url + "/nowhere", issuer=False)
    assert r.exit_code == 1
    assert "FAIL  discovery-document" in r.stdout and "answered 404" in r.stdout


def test_site_origin_not_allowed_and_all_domains():
    with fg.FakeGenesys() as fake:
        code, by_name, _ = checks(fake, origin="https://evil.example.com")
        assert code == 1 and by_name["site-origin"]["status"] == "fail"
        assert "https://shop.example.com" in by_name["site-origin"]["message"]
        code, by_name, _ = checks(fake, origin="shop.example.com:443")
        assert code == 0, by_name["site-origin"]
        fake.org.deployment["allowAllDomains"] = True
        code, by_name, _ = checks(fake, origin="https://evil.example.com")
        assert code == 0 and "allows all domains" in by_name["site-origin"]["message"]


def test_forbidden_deployment_read_is_exit_2():
    org = fg.Org(forbidden={"/api/v2/webdeployments/"})
    with fg.FakeGenesys(org) as fake:
        r = run(fake)
    assert r.exit_code == 2
    assert "??    deployment" in r.stdout
    assert "verify-scopes" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_bad_secret_and_hang_exit_2():
    org = fg.Org(hang="/api/v2/integrations/")
    with fg.FakeGenesys(org, hang_seconds=10) as fake:
        r = run(fake, GENESYSCLOUD_OAUTHCLIENT_SECRET="nope")
        assert r.exit_code == 2 and "refused the client id or secret" in r.stderr and r.stdout == ""
        t = time.monotonic()
        r = run(fake, MIGRATE_HTTP_TIMEOUT="1")
        assert time.monotonic() - t < 4
    assert r.exit_code == 2
    assert f"reading integration {fg.INTEGRATION_ID}" in r.stderr and "did not answer within 1 s" in r.stderr
    assert r.stdout == ""


def test_429_on_the_deployment_then_success():
    org = fg.Org(rate_limited={"/api/v2/webdeployments/deployments/": 1})
    with fg.FakeGenesys(org) as fake:
        code, by_name, _ = checks(fake)
        assert fake.paths().count(f"/api/v2/webdeployments/deployments/{fg.DEPLOYMENT_ID}") == 2
    assert code == 0


def test_stage_api_without_the_cli():
    with fg.FakeGenesys() as fake:
        session = connect(Credentials(fg.CLIENT_ID, fg.SECRET), fake.url, Deadline(10), Limits(timeout=3))
        assert fg.SECRET not in repr(session) and fg.SECRET not in repr(Credentials(fg.CLIENT_ID, fg.SECRET))
        report = verify_deployment(session, fg.DEPLOYMENT_ID, issuer=fake.issuer + "/.well-known/openid-configuration")
        assert not report.failing and not report.undecided
        assert [c.name for c in report.checks][-1] == "discovery-document"
        with pytest.raises(GenesysError) as info:
            connect(Credentials(fg.CLIENT_ID, "bad"), fake.url, Deadline(10), Limits(timeout=3))
    assert info.value.kind == "auth" and info.value.status == 401


def test_issuer_forms():
    assert issuer_and_discovery("https://idp.example/") == ("https://idp.example/",
                                                           "https://idp.example/.well-known/openid-configuration")
    assert issuer_and_discovery("https://idp.example/t/.well-known/openid-configuration") == (
        "https://idp.example/t", "https://idp.example/t/.well-known/openid-configuration")


def test_the_fake_server_is_bounded():
    import urllib.error
    import urllib.request

    with fg.FakeGenesys(max_requests=1) as fake:
        urllib.request.urlopen(fake.issuer + "/.well-known/openid-configuration", timeout=2).close()
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(fake.issuer + "/.well-known/openid-configuration", timeout=2)
        assert info.value.code == 503
    fake = fg.FakeGenesys(lifetime=0.2)
    with fake:
        time.sleep(0.5)
        with pytest.raises(OSError):
            urllib.request.urlopen(fake.url + "/api/v2/tokens/me", timeout=1)
