"""Building and serving a System.Web fixture site under Mono, for the tests/generated/test_cs_*_run.py
modules: the site migrated by `migrate generate` (default mode, then a copy with --cutover), the
project's Compile items (and the JWT.Net stand-in) built with mcs into bin/Shop.dll, then the site
served by ASP.NET's own runtime through AspNetHost.cs on 127.0.0.1, stopping by itself after
SERVE_SECONDS; a visitor signs in through the site's own login."""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from relying_party import CLIENT_ID, Host, provider_env, redeem, signed_in_code, verify_id_token
from site_runs import free_port, host_at, load, secrets_in, serve

from migrate.generate.run import Result, generate

HERE = Path(__file__).resolve().parent
MONO, MCS = shutil.which("mono"), shutil.which("mcs")
ISSUER = "http://127.0.0.1/oidc"
ZENDESK_SECRET = "zendesk-messaging-shared-secret-0123456789"
START_TIMEOUT = 30
SERVE_SECONDS = 120


def available(*assemblies: str) -> bool:
    return MONO is not None and MCS is not None and \
        all(Path("/usr/lib/mono/4.5", a).is_file() for a in ("System.Web.dll", *assemblies))


def compile_items(site: Path) -> list[str]:
    project = ET.parse(site / "Shop.csproj").getroot()
    ns = {"m": "http://schemas.microsoft.com/developer/msbuild/2003"}
    return [c.get("Include").replace("\\", "/") for c in project.iterfind(".//m:Compile", ns)]


def build(site: Path, references: tuple[str, ...] = (), extra: tuple[Path, ...] = ()) -> Path:
    """bin/Shop.dll from the project's Compile items, and the test host beside it."""
    (site / "bin").mkdir(exist_ok=True)
    sources = [str(site / item) for item in compile_items(site)] + [str(HERE / "stubs" / "JwtNet.cs")] + \
        [str(p) for p in extra]
    refs = [f"-r:{r}" for r in ("System.Web.dll", "System.Configuration.dll", *references)]
    done = subprocess.run([MCS, "-target:library", "-nowarn:414", *refs, f"-out:{site / 'bin' / 'Shop.dll'}",
                           *sources], check=False, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    host = site / "bin" / "AspNetHost.exe"
    if not host.exists():
        done = subprocess.run([MCS, "-r:System.Web.dll", f"-out:{host}", str(HERE / "AspNetHost.cs")],
                              check=False, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
    return site


@contextlib.contextmanager
def started(site: Path, key, key_file: Path, log: Path, **settings: str | None) -> Iterator[Host]:
    """The built site on a free port with the provider's settings (and `settings`), until the block ends."""
    port = free_port()
    env = provider_env(key_file, **settings)
    env["GENESYS_OIDC_ISSUER"] = env["GENESYS_OIDC_ISSUER"].replace("{port}", str(port))
    command = [MONO, str(site / "bin" / "AspNetHost.exe"), str(port), str(site), str(SERVE_SECONDS)]
    with serve(command, site, env, port, log, START_TIMEOUT, max_seconds=None) as origin:
        yield host_at(origin, key)


def migrate(source: Path, work: Path, cutover: bool = False) -> tuple[Path, Result]:
    """`source` (without its build) copied to work/site, migrated and written; and the run's result."""
    site = work / "site"
    shutil.copytree(source, site, ignore=shutil.ignore_patterns("bin"))
    with secrets_in(work):
        result = generate(site, load(site, ISSUER), cutover=cutover)
    result.changes.apply()
    return site, result


def fixtures(source: Path, references: tuple[str, ...] = ()):
    """The `migrated` and `cut` sites (default mode; a copy of it with --cutover), each with its run's
    result, and `host` and `cut_host`, each built and served (with the module's `signing_key`)."""

    @pytest.fixture(scope="module", name="migrated")
    def migrated(tmp_path_factory):
        return migrate(source, tmp_path_factory.mktemp(source.name))

    @pytest.fixture(scope="module", name="cut")
    def cut(migrated, tmp_path_factory):
        return migrate(migrated[0], tmp_path_factory.mktemp(f"{source.name}-cut"), cutover=True)

    def serving(site: Path, signing_key, tmp_path_factory):
        build(site, references)
        key, key_file = signing_key
        log = tmp_path_factory.mktemp("log") / "host.log"
        with started(site, key, key_file, log, ZENDESK_MESSAGING_SECRET=ZENDESK_SECRET) as host:
            yield host

    @pytest.fixture(scope="module", name="host")
    def host(migrated, signing_key, tmp_path_factory):
        yield from serving(migrated[0], signing_key, tmp_path_factory)

    @pytest.fixture(scope="module", name="cut_host")
    def cut_host(cut, signing_key, tmp_path_factory):
        yield from serving(cut[0], signing_key, tmp_path_factory)

    return migrated, cut, host, cut_host


def login(host: Host, page: str, email: str, cookie: str, then: str = "") -> dict[str, str]:
    """The visitor signed in through the site's own login `page` (which redirects to `then`): request
    headers with the cookie (`cookie`: a pattern of its name) the answer set."""
    with httpx.Client(timeout=30) as own:  # the shared client must not keep the cookie
        response = own.post(f"{host.origin}/{page}", data={"email": email, "password": "correct horse"})
    assert response.status_code == 302 and response.headers["location"].endswith(then), response.text[-3000:]
    found = re.search(rf"({cookie})=([^;]+)", response.headers.get("set-cookie", ""))
    assert found, response.headers
    return {"Cookie": f"{found.group(1)}={found.group(2)}"}


def test_code_pkce_nonce_and_the_verified_id_token(http, host, alice):
    auth = signed_in_code(http, host, session=None, headers=alice)
    response = redeem(http, host, auth.code, auth.verifier, auth="basic")
    assert response.status_code == 200, response.text
    claims = verify_id_token(http, host, response.json()["id_token"])
    assert claims["nonce"] == auth.nonce and claims["aud"] == CLIENT_ID
    assert {k: claims[k] for k in ("sub", "name", "email")} == {
        "sub": "42", "name": "Alice Example", "email": "alice@example.com"}


def test_a_second_run_changes_nothing(migrated, tmp_path, monkeypatch):
    site, _ = migrated
    monkeypatch.setenv("MIGRATE_SECRETS_DIR", str(tmp_path))
    again = generate(site, load(site, ISSUER))
    assert again.changes.empty and [o.status for o in again.outcomes] == ["kept"]


def signs_in_where_the_old_route_is_gone(http, cut_host, alice: dict[str, str], old: str) -> None:
    assert http.get(f"{cut_host.origin}/{old}", headers=alice).status_code == 404
    auth = signed_in_code(http, cut_host, session=None, headers=alice)
    response = redeem(http, cut_host, auth.code, auth.verifier)
    assert response.status_code == 200, response.text
    assert verify_id_token(http, cut_host, response.json()["id_token"])["sub"] == "42"
