"""A Spring Boot shop migrated by `migrate generate`, packaged with Maven and run for real.

tests/generated/java/sites/spring is a small Spring Boot 3 shop with Spring Security (its own
SecurityFilterChain and a login session cookie) whose SupportController signs the Zendesk JWT with
java-jwt at GET /support/zendesk/jwt behind @PreAuthorize("hasRole('CUSTOMER')"). Generate (default
mode) adds the Claims method beside that endpoint, GenesysOidcController, and GenesysOidcSecurity
(the provider's server-to-server endpoints ahead of the site's chain); the site is packaged once
(`mvn package`, offline from .venv/m2 first) and started on 127.0.0.1, and the relying party of
relying_party.py signs "alice" in through code + PKCE + nonce and verifies the ID token by the
served JWKS, while the old endpoint still signs its Zendesk JWT. After `--cutover` (packaged once
more) the provider serves and the endpoint, its imports and java-jwt are gone.
Without mvn and java, or Maven Central, the tests skip with the reason.
"""

from __future__ import annotations

import contextlib
import difflib
import shutil
from pathlib import Path

import httpx
import jwt
import pytest
from provider_fixtures import signing_key  # noqa: F401 (fixture used by name)
from relying_party import ALICE, Host, authorize, provider_env, redeem, signed_in_code, verify_id_token
from toolchains import BuildFailed, Unavailable, free_port, java_tools, package_maven, running

from migrate.extract.treesitter import Doc
from migrate.generate import config as cfg
from migrate.generate.run import generate

SITE = Path(__file__).resolve().parent / "java" / "sites" / "spring"
WEB = "src/main/java/com/example/shop/web"
CONTROLLER = f"{WEB}/SupportController.java"
DEPLOYMENT = "5e0a7c43-8f8e-4d11-9a54-1b2c3d4e5f60"
ZENDESK_SECRET = "zendesk-shared-secret-of-32-bytes+"
START_TIMEOUT = 120  # seconds for Spring Boot to start on a busy 2-core machine
JVM = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xss512k", "-Xmx256m"]


def _generate(site: Path, cutover: bool):
    config = cfg.load(site, region="eu-west-1", deployment_id=DEPLOYMENT, issuer="https://shop.example.com/oidc")
    result = generate(site, config, cutover=cutover)
    for change in result.changes.changes:  # what is written parses
        if change.path.endswith(".java") and change.after is not None:
            assert Doc.parse("java", change.after.encode()).first_error() is None, change.path
    result.changes.apply()
    return result


def _package(site: Path, name: str) -> Path:
    try:
        built = package_maven(site, "shop.jar")
    except Unavailable as e:
        pytest.skip(str(e))
    except BuildFailed as e:
        pytest.fail(str(e), pytrace=False)
    return Path(shutil.copy(built, site.parent / f"{name}.jar"))


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    """The site after the default generate, packaged; and after --cutover, packaged."""
    work = tmp_path_factory.mktemp("spring-site")
    site = work / "site"
    shutil.copytree(SITE, site)
    mp = pytest.MonkeyPatch()
    mp.setenv("MIGRATE_SECRETS_DIR", str(work / "secrets"))
    try:
        default = _generate(site, cutover=False)
        kept = {p: (site / p).read_text() for p in (CONTROLLER, "pom.xml")}
        again = generate(site, cfg.load(site, region="eu-west-1", deployment_id=DEPLOYMENT,
                                        issuer="https://shop.example.com/oidc"))
        jar = _package(site, "shop-default")
        cut_result = _generate(site, cutover=True)
        cut_jar = _package(site, "shop-cutover")
    finally:
        mp.undo()
    return {"default": default, "again": again, "kept": kept, "cut": cut_result, "site": site,
            "cut_files": {p: (site / p).read_text() for p in (CONTROLLER, "pom.xml")},
            "jar": {"default": jar, "cut": cut_jar}}


@contextlib.contextmanager
def _serve(migrated, which: str, signing_key):  # noqa: F811
    key, key_file = signing_key
    port = free_port()
    env = provider_env(key_file, HOST_APP_MAX_SECONDS="300", ZENDESK_SECRET=ZENDESK_SECRET, ZENDESK_KEY_ID="app_123")
    env["GENESYS_OIDC_ISSUER"] = env["GENESYS_OIDC_ISSUER"].replace("{port}", str(port))
    jar = migrated["jar"][which]
    command = [java_tools()[1], *JVM, "-jar", str(jar), f"--server.port={port}"]
    with running(command, env, jar.parent / f"{which}.log", START_TIMEOUT) as listening, \
            httpx.Client(timeout=20, follow_redirects=False) as http:
        origin = f"http://127.0.0.1:{listening}"
        yield http, Host(origin=origin, issuer=f"{origin}/oidc", key=key)


@pytest.fixture(scope="module")
def default_site(migrated, signing_key):  # noqa: F811
    with _serve(migrated, "default", signing_key) as served:
        yield served


@pytest.fixture(scope="module")
def cut_site(migrated, signing_key):  # noqa: F811
    with _serve(migrated, "cut", signing_key) as served:
        yield served


def test_default_keeps_the_endpoint_and_adds_the_claims_the_provider_and_its_security(migrated):
    (outcome,) = migrated["default"].outcomes
    assert (outcome.status, outcome.route) == ("wired", "GET /support/zendesk/jwt")
    controller = migrated["kept"][CONTROLLER]
    line = next(n for n, text in enumerate(controller.split("\n"), 1) if "public Map<String, Object> claims(" in text)
    assert f"provider mounted at {CONTROLLER}:{line} (spring)" in outcome.text
    lines = controller.split("\n")
    note = next(n for n, text in enumerate(lines) if "TODO(migrate:ZG220)" in text)
    assert lines[note + 1] == '    @GetMapping("/zendesk/jwt")'  # above the endpoint's annotations
    original = (SITE / CONTROLLER).read_text().split("\n")
    ops = difflib.SequenceMatcher(None, original, lines, autojunk=False).get_opcodes()
    changed = [(original[i1:i2], lines[j1:j2]) for tag, i1, i2, j1, j2 in ops if tag != "equal"]
    # nothing of the old code goes: the class declaration gains the interface, the rest is added
    assert all(tag == "insert" or (old, new) == (["public class SupportController {"],
               ["public class SupportController implements GenesysOidcController.Claims {"])
               for (tag, *_), (old, new) in zip([o for o in ops if o[0] != "equal"], changed, strict=True))
    assert "    @PreAuthorize(\"hasRole('CUSTOMER')\")\n    public Map<String, Object> claims(" in controller
    new = {c.path for c in migrated["default"].changes.changes if c.new}
    assert {f"{WEB}/GenesysOidcController.java", f"{WEB}/GenesysOidcSecurity.java"} <= new
    assert "TODO(migrate:ZG225): Spring Security" not in controller  # the new chain does what it asked
    again = migrated["again"]
    assert again.changes.empty and [o.status for o in again.outcomes] == ["kept"]


def test_alice_signs_in_through_the_provider(default_site):
    http, host = default_site
    auth = signed_in_code(http, host)
    response = redeem(http, host, auth.code, auth.verifier)  # no session, no CSRF token: Genesys' server
    assert response.status_code == 200, response.text
    claims = verify_id_token(http, host, response.json()["id_token"])
    assert claims["nonce"] == auth.nonce
    assert {k: claims[k] for k in ("sub", "name", "email")} == {k: ALICE[k] for k in ("sub", "name", "email")}
    assert "scope" not in claims
    userinfo = http.get(f"{host.issuer}/userinfo",
                        headers={"Authorization": f"Bearer {response.json()['access_token']}"})
    assert userinfo.status_code == 200 and userinfo.json()["sub"] == "42"


def test_nobody_and_a_user_the_endpoint_refused_get_no_code(default_site):
    http, host = default_site
    nobody = authorize(http, host, session=None, as_json=True)
    assert nobody.response.status_code == 401 and nobody.response.json()["error"] == "login_required"
    # carol is signed in without the CUSTOMER role: the endpoint's @PreAuthorize went to the claims
    staff = authorize(http, host, session="carol")
    assert staff.response.status_code == 403 and "code=" not in staff.response.headers.get("location", "")


def test_the_old_endpoint_still_answers_and_the_rest_of_the_site_keeps_its_rules(default_site):
    http, host = default_site
    old = http.get(f"{host.origin}/support/zendesk/jwt", headers={"Cookie": "session=alice"})
    assert old.status_code == 200
    token = jwt.decode(old.json()["token"], ZENDESK_SECRET, algorithms=["HS256"])
    assert token["external_id"] == "42" and token["scope"] == "user"
    assert http.get(f"{host.origin}/support/zendesk/jwt", headers={"Cookie": "session=carol"}).status_code == 403
    assert http.get(f"{host.origin}/account/orders").status_code == 401  # the site's own chain
    assert http.get(f"{host.origin}/support/hours").json() == {"hours": "Mon-Fri 9:00-17:00"}


def test_after_cutover_the_provider_serves_and_the_endpoint_and_java_jwt_are_gone(migrated, cut_site):
    (outcome,) = migrated["cut"].outcomes
    assert (outcome.status, outcome.route) == ("cut", "GET /support/zendesk/jwt")
    controller, pom = migrated["cut_files"][CONTROLLER], migrated["cut_files"]["pom.xml"]
    for gone in ("zendeskJwt", "TODO(migrate:ZG220)", "com.auth0", "java.time.Instant", "/zendesk/jwt\")"):
        assert gone not in controller
    # what the other endpoint uses stays
    assert '@GetMapping("/hours")' in controller and "import org.springframework.web.bind.annotation.GetMapping;" \
        in controller and "public Map<String, Object> claims(" in controller
    assert "<artifactId>java-jwt</artifactId>" not in pom and "<artifactId>nimbus-jose-jwt</artifactId>" in pom
    http, host = cut_site
    auth = signed_in_code(http, host)
    response = redeem(http, host, auth.code, auth.verifier)
    assert verify_id_token(http, host, response.json()["id_token"])["sub"] == "42"
    assert http.get(f"{host.origin}/support/zendesk/jwt", headers={"Cookie": "session=alice"}).status_code == 404
    assert http.get(f"{host.origin}/support/hours").status_code == 200
