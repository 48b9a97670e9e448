"""Java sites run for real: the provider's own host sites (test_java_provider_run.py, the servlet's
test_java_servlet_run.py, test_java_shared_store_run.py), and a shop of tests/generated/java/sites
migrated by `migrate generate` (test_java_spring_run.py, test_java_jaxrs_run.py).

Each shop signs the Zendesk JWT with java-jwt at GET /support/zendesk/jwt for "alice" (a customer)
and refuses "carol" (signed in, not a customer). The site is migrated (default mode) and packaged
(`mvn package`, offline from .venv/m2 first), then migrated with --cutover and packaged once more;
each jar is started on 127.0.0.1 and the relying party of relying_party.py signs alice in through
the provider. Without mvn and java, or Maven Central, the tests skip with the reason.
"""

from __future__ import annotations

import contextlib
import itertools
import shutil
from collections.abc import Callable
from pathlib import Path

import httpx
import jwt
import pytest
from relying_party import ALICE, provider_env, redeem, signed_in_code, verify_id_token
from site_runs import built, host_at, migrated_and_built, signs_in
from toolchains import free_port, java_tools, package_maven, running

SITES = Path(__file__).resolve().parent / "java" / "sites"
ZENDESK_SECRET = "zendesk-shared-secret-of-32-bytes+"
JVM = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xss512k", "-Xmx256m"]  # quick start, small heap
LOGS: dict[str, Path] = {}  # a running site's origin -> its output
_logs = itertools.count()


# --- the provider's host sites --------------------------------------------------------------------------


def jar_env(key_file: Path | None, port: int, host_seconds: str, **overrides: str | None) -> dict[str, str]:
    """The settings are read from the environment once, at start-up, so the port is chosen first and
    written into GENESYS_OIDC_ISSUER."""
    env = provider_env(key_file, **{"HOST_APP_MAX_SECONDS": host_seconds, **overrides})
    env["GENESYS_OIDC_ISSUER"] = env.get("GENESYS_OIDC_ISSUER", "").replace("{port}", str(port))
    return env


@contextlib.contextmanager
def running_jar(command: Callable[[int], list[str]], log_dir: Path, key_file: Path, key, start_timeout: int,
                host_seconds: str, **overrides: str | None):
    """The jar `command(port)` started with the provider's settings; yields its Host. The port is picked
    before the JVM binds it; should another process take it meanwhile, another one."""
    with contextlib.ExitStack() as stack:
        for attempt in range(3):
            port = free_port()
            log = log_dir / f"host-{next(_logs)}.log"
            try:
                listening = stack.enter_context(
                    running(command(port), jar_env(key_file, port, host_seconds, **overrides), log, start_timeout))
                break
            except AssertionError as e:
                if attempt == 2 or "already in use" not in str(e):
                    raise
        origin = f"http://127.0.0.1:{listening}"
        LOGS[origin] = log
        yield host_at(origin, key)


# --- the migrated shops -------------------------------------------------------------------------------


def _package(site: Path, name: str) -> Path:
    jar = built(package_maven, site, "shop.jar")
    return Path(shutil.copy(jar, site.parent / f"{name}.jar"))


def fixtures(name: str, controller: str, start_timeout: int, listen: Callable[[int], tuple[list[str], dict]]):
    """The `migrated`, `default_site` and `cut_site` fixtures of the shop `name` whose Zendesk endpoint
    is in `controller`; `listen(port)` gives the jar's arguments and environment that make it
    listen there. A served site is (httpx client, relying party's Host)."""

    @pytest.fixture(scope="module", name="migrated")
    def migrated(tmp_path_factory):
        """The site after the default generate, packaged; and after --cutover, packaged."""
        work = tmp_path_factory.mktemp(f"{name}-site")
        return migrated_and_built(SITES / name, work, "java", _package, (controller, "pom.xml"))

    @contextlib.contextmanager
    def serve(migrated, which: str, signing_key):
        key, key_file = signing_key
        port = free_port()
        args, settings = listen(port)
        env = provider_env(key_file, HOST_APP_MAX_SECONDS="300", ZENDESK_SECRET=ZENDESK_SECRET,
                           ZENDESK_KEY_ID="app_123", **settings)
        env["GENESYS_OIDC_ISSUER"] = env["GENESYS_OIDC_ISSUER"].replace("{port}", str(port))
        jar = migrated["bin"][which]
        command = [java_tools()[1], *JVM, "-jar", str(jar), *args]
        with running(command, env, jar.parent / f"{which}.log", start_timeout) as listening, \
                httpx.Client(timeout=20, follow_redirects=False) as http:
            yield http, host_at(f"http://127.0.0.1:{listening}", key)

    @pytest.fixture(scope="module", name="default_site")
    def default_site(migrated, signing_key):
        with serve(migrated, "default", signing_key) as served:
            yield served

    @pytest.fixture(scope="module", name="cut_site")
    def cut_site(migrated, signing_key):
        with serve(migrated, "cut", signing_key) as served:
            yield served

    return migrated, default_site, cut_site


def test_alice_signs_in_through_the_provider(default_site):
    http, host = default_site
    claims, _, tokens = signs_in(http, host)
    assert {k: claims[k] for k in ("sub", "name", "email")} == {k: ALICE[k] for k in ("sub", "name", "email")}
    assert "scope" not in claims
    userinfo = http.get(f"{host.issuer}/userinfo",
                        headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert userinfo.status_code == 200 and userinfo.json()["sub"] == "42"


def the_old_endpoint_signs_for_alice_only(http: httpx.Client, host) -> None:
    old = http.get(f"{host.origin}/support/zendesk/jwt", headers={"Cookie": "session=alice"})
    assert old.status_code == 200
    token = jwt.decode(old.json()["token"], ZENDESK_SECRET, algorithms=["HS256"])
    assert token["external_id"] == "42" and token["scope"] == "user"
    assert http.get(f"{host.origin}/support/zendesk/jwt", headers={"Cookie": "session=carol"}).status_code == 403
    assert http.get(f"{host.origin}/support/hours").json() == {"hours": "Mon-Fri 9:00-17:00"}


def cut_and_still_signing_in(migrated, cut_site, controller: str) -> str:
    """After --cutover: the endpoint, its imports and java-jwt are gone, the provider signs alice in
    and the other endpoint answers. Returns the controller's text for what the site keeps."""
    (outcome,) = migrated["cut"].outcomes
    assert (outcome.status, outcome.route) == ("cut", "GET /support/zendesk/jwt")
    text, pom = migrated["cut_files"][controller], migrated["cut_files"]["pom.xml"]
    for gone in ("zendeskJwt", "TODO(migrate:ZG220)", "com.auth0", "java.time.Instant", "/zendesk/jwt\")"):
        assert gone not in text
    assert "public Map<String, Object> claims(" in text
    assert "<artifactId>java-jwt</artifactId>" not in pom and "<artifactId>nimbus-jose-jwt</artifactId>" in pom
    http, host = cut_site
    auth = signed_in_code(http, host)
    response = redeem(http, host, auth.code, auth.verifier)
    assert verify_id_token(http, host, response.json()["id_token"])["sub"] == "42"
    assert http.get(f"{host.origin}/support/zendesk/jwt", headers={"Cookie": "session=alice"}).status_code == 404
    assert http.get(f"{host.origin}/support/hours").status_code == 200
    return text
