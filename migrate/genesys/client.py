"""The one door to Genesys Cloud: a client-credentials session on the Platform API SDK.

PureCloudPlatformClientV2 is imported here only, inside functions (importing it costs seconds).
What this module adds to the SDK:

- timeouts (the SDK has none) and a bounded number of connection retries with backoff, set on
  the SDK's urllib3 pool; read timeouts are not retried, so a hanging API costs one timeout;
- one time budget for the whole command (SDK import included): no request starts or waits past it;
- 429 / 503 answers retried a few times, honouring Retry-After (bounded);
- every `ApiException` and urllib3 error turned into a one-line `GenesysError`;
- SDK models copied into the plain dataclasses of `migrate.genesys.model` straight away: they are
  never logged or repr'd (an OAuthClient's repr contains its secret), and no message carries the
  client secret.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import urlsplit

from migrate.genesys.http import MAX_BODY, BadAnswer, DeadlineExceeded, hard_deadline, json_object, read_body
from migrate.genesys.model import (
    AuthSettings,
    ConfigVersion,
    Credentials,
    Deployment,
    Integration,
    IntegrationConfig,
    OAuthClientInfo,
    Policy,
    Role,
    RoleDivision,
    TokenInfo,
)

DEFAULT_TIMEOUT = 10.0      # seconds a single request may take to answer (MIGRATE_HTTP_TIMEOUT)
CONNECT_TIMEOUT = 3.0       # seconds to open a connection
CONNECT_RETRIES = 2         # connection failures retried this many times...
BACKOFF_FACTOR = 0.25       # ...after 0 s, then 0.5 s
BACKOFF_MAX = 1.0
DEFAULT_BUDGET = 25.0       # seconds for the whole command, from its start (MIGRATE_HTTP_BUDGET lowers it)
HARD_LIMIT = 30.0           # what the budget, plus printing the answer, must stay under
RATE_LIMIT_RETRIES = 3      # 429 / 503 answers retried at most this many times per request
MAX_RETRY_AFTER = 10.0      # longest Retry-After honoured; longer means "try again later"
_MIN_READ = 0.2             # a request with less time than this left is not started

_BACKOFF_TOTAL = sum(min(BACKOFF_MAX, BACKOFF_FACTOR * 2 ** (n - 1)) if n > 1 else 0.0
                     for n in range(1, CONNECT_RETRIES + 1))


class GenesysError(Exception):
    """One line saying what failed, and the next step.

    kind: auth (credentials refused), grant (client may not use client credentials), forbidden (403),
    not-found (404), rate-limited, timeout, network, tls, http (any other answer), usage.
    """

    def __init__(self, kind: str, message: str, hint: str | None = None, status: int | None = None):
        super().__init__(message)
        self.kind, self.message, self.hint, self.status = kind, message, hint, status
        self.refusal: str | None = None  # kind "grant": what the token endpoint said, without the step

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"GenesysError({self.kind!r}, {self.message!r})"


# ---------------------------------------------------------------------------------------------
# settings and time budget


@dataclass(frozen=True)
class Limits:
    timeout: float = DEFAULT_TIMEOUT
    budget: float = DEFAULT_BUDGET


def limits_from_env(environ: dict[str, str] | None = None) -> Limits:
    """MIGRATE_HTTP_TIMEOUT (seconds per request) and MIGRATE_HTTP_BUDGET (seconds for the whole
    command; it can only be lowered). Bad values are a usage error."""
    env = os.environ if environ is None else environ

    def number(name: str, default: float, upper: float) -> float:
        raw = env.get(name)
        if raw is None or raw.strip() == "":
            return default
        try:
            value = float(raw)
        except ValueError:
            raise GenesysError("usage", f"{name}={raw!r} is not a number of seconds") from None
        if not 0 < value < float("inf"):
            raise GenesysError("usage", f"{name} must be a positive number of seconds")
        return min(value, upper)

    return Limits(timeout=number("MIGRATE_HTTP_TIMEOUT", DEFAULT_TIMEOUT, DEFAULT_BUDGET),
                  budget=number("MIGRATE_HTTP_BUDGET", DEFAULT_BUDGET, DEFAULT_BUDGET))


class Deadline:
    """The end of the command's time budget, on the monotonic clock."""

    def __init__(self, budget: float = DEFAULT_BUDGET, start: float | None = None):
        self.budget = budget
        self.end = (time.monotonic() if start is None else start) + budget

    def remaining(self) -> float:
        return self.end - time.monotonic()


def request_timeouts(remaining: float, timeout: float) -> tuple[float, float] | None:
    """(connect, read) seconds for one request so that its worst case (every connection attempt
    timing out, the backoff sleeps, then a read timeout) ends within `remaining`; None if no time
    is left for it."""
    usable = remaining - _BACKOFF_TOTAL
    if usable < (CONNECT_RETRIES + 2) * _MIN_READ:
        return None
    connect = min(CONNECT_TIMEOUT, timeout, usable / (CONNECT_RETRIES + 2))
    read = min(timeout, usable - (CONNECT_RETRIES + 1) * connect)
    return connect, read


# ---------------------------------------------------------------------------------------------
# hosts


def resolve_host(region: str | None, api_host: str | None) -> str:
    """The API base URL: --api-host / GENESYSCLOUD_API_HOST wins over the region's api. host."""
    if api_host:
        host = api_host.strip().rstrip("/")
        if "://" not in host:
            host = "https://" + host
        try:
            parts = urlsplit(host)
            parts.port  # raises on a bad port or IPv6 literal
        except ValueError:
            parts = None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            raise GenesysError("usage", "--api-host is not an http(s) URL",
                               "give it as https://api.<domain> (or http://127.0.0.1:PORT for a local server)")
        if parts.username or parts.password:
            # never echoed: it would print the password
            raise GenesysError("usage", "--api-host must not carry a user or password",
                               "give the bare host; put proxy credentials in the proxy's own settings")
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise GenesysError("usage", "--api-host must be a bare host, without a path")
        return f"{parts.scheme}://{parts.netloc}"
    if region:
        from migrate.regions import find

        try:
            return find(region).api_host
        except KeyError as exc:
            raise GenesysError("usage", str(exc.args[0])) from None
    raise GenesysError("usage", "no Genesys Cloud region given",
                       "pass --region (e.g. eu-west-1) or set GENESYSCLOUD_REGION")


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host in ("localhost", "::1") or host.startswith("127.")


# ---------------------------------------------------------------------------------------------
# the session


class Genesys:
    """An authenticated client-credentials session.  Build it with `connect()`."""

    def __init__(self, host: str, credentials: Credentials, deadline: Deadline, limits: Limits):
        self.host = host
        self.notes: list[str] = []
        self.follow_redirects = False  # a public document may redirect to another host (--follow-redirects)
        self._credentials = credentials
        self._deadline = deadline
        self._limits = limits
        self._api = _api_client(host, self.notes)
        rest = self._api.get_http_client().rest_client
        rest.pool_manager = _CappedPool(rest.pool_manager)
        self._pool = rest.pool_manager
        self._retry = _retry_policy()

    def __repr__(self) -> str:
        return f"Genesys({self.host!r})"

    # -- transport ------------------------------------------------------------------------------

    def _arm(self, what: str) -> tuple[float, float]:
        """Put this request's timeouts and retries on the SDK's pool (new pools pick them up)."""
        import urllib3

        timeouts = request_timeouts(self._deadline.remaining(), self._limits.timeout)
        if timeouts is None:
            raise GenesysError("timeout", f"{what}: gave up, the {self._deadline.budget:g} s limit for the "
                               "whole command is used up", _NETWORK_HINT)
        connect, read = timeouts
        self._pool.connection_pool_kw["timeout"] = urllib3.Timeout(connect=connect, read=read)
        self._pool.connection_pool_kw["retries"] = self._retry
        return connect, read

    def _call(self, what: str, fn: Callable[..., Any], *args: Any, token: bool = False, **kwargs: Any) -> Any:
        import urllib3
        from PureCloudPlatformClientV2.rest import ApiException

        for attempt in range(RATE_LIMIT_RETRIES + 1):
            connect_s, read_s = self._arm(what)
            try:
                with hard_deadline(self._deadline.remaining()):
                    return fn(*args, **kwargs)
            except DeadlineExceeded:
                raise GenesysError("timeout", f"{what}: no complete answer from {self.host} within the "
                                   f"{self._deadline.budget:g} s limit for the whole command", _NETWORK_HINT) from None
            except BadAnswer as exc:
                raise GenesysError("http", f"{what}: {self.host} cannot be read: {exc}",
                                   "is --api-host a Genesys Cloud API host?") from None
            except ApiException as exc:
                status = exc.status or 0
                if status in (429, 503) and attempt < RATE_LIMIT_RETRIES:
                    wait = _retry_after(exc.headers, attempt)
                    if wait <= MAX_RETRY_AFTER and wait < self._deadline.remaining() - 1.0:
                        time.sleep(wait)
                        continue
                    raise GenesysError(
                        "rate-limited", f"{what}: Genesys is rate limiting this client ({status}) and asked "
                        f"to wait {wait:g} s", "try again in a minute", status) from None
                raise self._api_error(what, status, exc.body, exc.reason, token) from None
            except urllib3.exceptions.HTTPError as exc:
                raise self._network_error(what, exc, connect_s, read_s) from None
            except OSError as exc:
                raise GenesysError("network", f"{what}: {self._scrub(str(exc))}", _NETWORK_HINT) from None
            except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:  # an answer the SDK could not read
                raise GenesysError("http", f"{what}: unexpected answer from {self.host} "
                                   f"({type(exc).__name__})", "is --api-host a Genesys Cloud API host?") from None
        raise AssertionError("unreachable")

    def _scrub(self, text: str) -> str:
        text = " ".join(str(text).split())
        for secret in (self._credentials.secret, self._credentials.access_token):
            if secret:
                text = text.replace(secret, "***")
        return text[:200] + ("..." if len(text) > 200 else "")

    def _api_error(self, what: str, status: int, body: Any, reason: Any, token: bool) -> GenesysError:
        code, detail = _error_body(body)
        detail = self._scrub(detail or (str(reason) if reason else ""))
        parts = [detail] if code and detail and code in detail else [p for p in (code, detail) if p]
        said = f" ({': '.join(parts)})" if parts else ""
        if status == 0:
            return GenesysError("tls", f"{what}: TLS failure talking to {self.host}{said}",
                                "check the host name, the system's CA certificates and any TLS-inspecting proxy")
        if token and (code == "unauthorized_client" or (status == 400 and "grant" in detail.lower())):
            inner = ", ".join([str(status)] + ([": ".join(parts)] if parts else []))
            refused = f"Genesys will not give this client a client-credentials token ({inner})"
            error = GenesysError("grant", f"{what}: {refused}", None, status)
            error.refusal = refused
            return error
        if token and status in (400, 401):
            return GenesysError("auth", f"{what}: Genesys refused the client id or secret ({status}{', ' + code if code else ''})",
                                "check GENESYSCLOUD_OAUTHCLIENT_ID and the secret, and that the region is the "
                                "client's own: an OAuth client exists in one region only", status)
        if token and status < 500:
            return GenesysError("http", f"{what}: the token endpoint answered {status}{said}",
                                "is the region (or --api-host) a Genesys Cloud API host?", status)
        if status == 401:
            return GenesysError("auth", f"{what}: the token was refused (401){said}",
                                "check the client's state in Admin > OAuth and try again", status)
        if status == 403:
            return GenesysError("forbidden", f"{what}: not allowed (403){said}",
                                "run migrate verify-scopes to see which permission is missing", status)
        if status == 404:
            return GenesysError("not-found", f"{what}: not found (404){said}",
                                "check the id, and that it belongs to this org and region", status)
        return GenesysError("http", f"{what}: Genesys answered {status}{said}",
                            "try again; if it persists, check status.mypurecloud.com", status)

    def _network_error(self, what: str, exc: Exception, connect: float, read: float) -> GenesysError:
        return network_error(what, exc, urlsplit(self.host), connect, read, attempts=CONNECT_RETRIES + 1)

    # -- calls ----------------------------------------------------------------------------------

    def login(self) -> None:
        c = self._credentials
        if c.access_token:  # GENESYSCLOUD_ACCESS_TOKEN or a gc profile's: used as it is
            self._api.access_token = c.access_token
            return
        self._call("getting a client-credentials token", self._api.get_client_credentials_token,
                   c.client_id, c.secret, token=True)

    def token_info(self) -> TokenInfo:
        from PureCloudPlatformClientV2 import TokensApi

        m = self._call("reading tokens/me", TokensApi(self._api).get_tokens_me)
        return _token_info(m)

    def oauth_client(self, client_id: str) -> OAuthClientInfo:
        from PureCloudPlatformClientV2 import OAuthApi

        m = self._call(f"reading OAuth client {client_id}", OAuthApi(self._api).get_oauth_client, client_id)
        return _client(m)

    def role(self, role_id: str) -> Role:
        from PureCloudPlatformClientV2 import AuthorizationApi

        m = self._call(f"reading role {role_id}", AuthorizationApi(self._api).get_authorization_role, role_id)
        return Role(id=m.id or role_id, name=m.name or role_id,
                    policies=tuple(Policy(domain=p.domain or "", entity=p.entity_name or "",
                                          actions=tuple(p.action_set or ()))
                                   for p in (m.permission_policies or ())))

    def deployment(self, deployment_id: str) -> Deployment:
        from PureCloudPlatformClientV2 import WebDeploymentsApi

        m = self._call(f"reading deployment {deployment_id}",
                       WebDeploymentsApi(self._api).get_webdeployments_deployment, deployment_id)
        cfg = m.configuration
        return Deployment(id=m.id or deployment_id, name=m.name or "", status=m.status,
                          allow_all_domains=bool(m.allow_all_domains),
                          allowed_domains=tuple(m.allowed_domains or ()),
                          configuration_id=getattr(cfg, "id", None), configuration_version=getattr(cfg, "version", None))

    def config_versions(self, configuration_id: str) -> list[ConfigVersion]:
        from PureCloudPlatformClientV2 import WebDeploymentsApi

        m = self._call(f"reading the versions of configuration {configuration_id}",
                       WebDeploymentsApi(self._api).get_webdeployments_configuration_versions, configuration_id)
        return [_config_version(v) for v in (m.entities or ())]

    def config_version(self, configuration_id: str, version: str) -> ConfigVersion:
        from PureCloudPlatformClientV2 import WebDeploymentsApi

        m = self._call(f"reading configuration {configuration_id} version {version}",
                       WebDeploymentsApi(self._api).get_webdeployments_configuration_version,
                       configuration_id, version)
        return _config_version(m)

    def integration(self, integration_id: str) -> Integration:
        from PureCloudPlatformClientV2 import IntegrationsApi

        m = self._call(f"reading integration {integration_id}", IntegrationsApi(self._api).get_integration,
                       integration_id)
        t, r = m.integration_type, m.reported_state
        return Integration(id=m.id or integration_id, name=m.name or "", type_id=getattr(t, "id", None),
                           type_name=getattr(t, "name", None), intended_state=m.intended_state,
                           reported_state=getattr(r, "code", None))

    def integration_config(self, integration_id: str) -> IntegrationConfig:
        from PureCloudPlatformClientV2 import IntegrationsApi

        m = self._call(f"reading the configuration of integration {integration_id}",
                       IntegrationsApi(self._api).get_integration_config_current, integration_id)
        props = m.properties if isinstance(m.properties, dict) else {}
        return IntegrationConfig(properties={str(k): v for k, v in props.items() if isinstance(v, (str, int, float, bool))})

    def fetch_json(self, url: str, what: str) -> dict:
        """GET a public JSON document (an OpenID discovery document) under the same limits."""
        return fetch_json(url, what, self._deadline, self._limits, self.follow_redirects)


_NETWORK_HINT = "check --region / --api-host, the network and any proxy, then try again"


def connect(credentials: Credentials, host: str, deadline: Deadline, limits: Limits | None = None) -> Genesys:
    """Import the SDK, build a client for `host` and get a client-credentials token."""
    session = Genesys(host, credentials, deadline, limits or Limits())
    session.login()
    return session


def _import_sdk() -> None:
    """Import the SDK without the file watch it starts at import: it watches the folder of
    ~/.genesyscloudpython/config, or its nearest existing parent (the whole home folder, or / when
    HOME does not exist) recursively, which alone can take longer than the command's budget. A
    command that runs for seconds has nothing to reload."""
    import sys

    if "PureCloudPlatformClientV2" in sys.modules:
        return
    try:
        from watchdog.observers.api import BaseObserver
    except ImportError:  # a future SDK without watchdog
        import PureCloudPlatformClientV2  # noqa: F401
        return

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise OSError("migrate does not watch the SDK's configuration")  # the SDK then gives up watching

    schedule = BaseObserver.schedule
    BaseObserver.schedule = refuse
    try:
        import PureCloudPlatformClientV2  # noqa: F401
    finally:
        BaseObserver.schedule = schedule


def _api_client(host: str, notes: list[str]):
    _import_sdk()
    from PureCloudPlatformClientV2 import ApiClient, Configuration
    from PureCloudPlatformClientV2.logger import LogLevel

    config = Configuration()
    # The SDK may log request and response bodies (an OAuth client's secret among them) if
    # ~/.genesyscloudpython/config says so: this command never lets it.
    config.logger.log_level = LogLevel.LNone
    api = ApiClient(host=host)
    if api.gateway_configuration is not None and getattr(api.gateway_configuration, "host", None):
        notes.append("the [gateway] section of ~/.genesyscloudpython/config is ignored here; "
                     "pass --api-host to go through a gateway")
    api.gateway_configuration = None  # the host given to the command is the host used
    return api


class _Answer:
    """A response as the SDK's RESTResponse reads it (status, reason, data, headers), its body read
    under the size cap."""

    def __init__(self, status: int, reason: str | None, headers: Any, data: bytes):
        self.status, self.reason, self.headers, self.data = status, reason, headers, data

    def getheaders(self) -> Any:
        return self.headers

    def getheader(self, name: str, default: Any = None) -> Any:
        return self.headers.get(name, default)


class _CappedPool:
    """The SDK's urllib3 pool with what the SDK does not do: bodies read up to MAX_BODY (after
    decompression), redirects never followed, and a successful answer that is not a JSON object
    (empty, `null`, HTML) refused with its reason before the SDK deserialises it."""

    def __init__(self, pool: Any):
        self._pool = pool

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pool, name)

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> _Answer:
        kwargs.update(preload_content=False, redirect=False)
        r = self._pool.request(method, url, *args, **kwargs)
        try:
            body = read_body(r, MAX_BODY)
        finally:
            r.release_conn()
        if 300 <= r.status < 400:
            moved = r.headers.get("Location")
            raise BadAnswer(f"it answered {r.status}, a redirect" + (f" to {_short(moved)}" if moved else "")
                            + ", which is not followed")
        if 200 <= r.status < 300:
            json_object(body)  # raises BadAnswer with the reason
        return _Answer(r.status, r.reason, r.headers, body)


def _short(text: str, limit: int = 100) -> str:
    from migrate.genesys.http import short

    return short(text, limit)


def _retry_policy():
    import urllib3

    return urllib3.util.Retry(
        total=CONNECT_RETRIES, connect=CONNECT_RETRIES, read=0, status=0, other=0, redirect=0,
        backoff_factor=BACKOFF_FACTOR, backoff_max=BACKOFF_MAX, raise_on_redirect=False,
        raise_on_status=False, respect_retry_after_header=False)


def _retry_after(headers: Any, attempt: int) -> float:
    value = None
    try:
        value = headers.get("Retry-After") if headers is not None else None
    except AttributeError:
        value = None
    if value:
        import urllib3

        try:
            return max(0.0, float(urllib3.util.Retry().parse_retry_after(str(value))))
        except Exception:  # an unreadable Retry-After: fall back to backoff
            pass
    return float(2 ** attempt)


def _error_body(body: Any) -> tuple[str | None, str | None]:
    """(code, message) from a Genesys error body ({"message", "code"} or OAuth {"error", "error_description"})."""
    if body is None:
        return None, None
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    try:
        data = json.loads(body)
    except (ValueError, TypeError):
        text = str(body).strip()
        return None, (text[:120] if text and not text.lstrip().startswith("<") else None)
    if not isinstance(data, dict):
        return None, None
    code = data.get("error") or data.get("code")
    message = data.get("error_description") or data.get("message") or data.get("description")
    return (str(code) if code else None), (str(message) if message else None)


# ---------------------------------------------------------------------------------------------
# SDK models -> plain data (copy what is needed; never keep, log or repr the model)


def _client(m: Any) -> OAuthClientInfo:
    return OAuthClientInfo(
        id=m.id or "", name=m.name or "", grant_type=(m.authorized_grant_type or "unknown"),
        state=m.state,
        role_divisions=tuple(RoleDivision(role_id=rd.role_id or "", division_id=rd.division_id or "*")
                             for rd in (m.role_divisions or ()) if rd.role_id),
        scopes=tuple(m.scope or ()))


def _token_info(m: Any) -> TokenInfo:
    org = m.organization
    return TokenInfo(organization_id=getattr(org, "id", None), organization_name=getattr(org, "name", None),
                     client=_client(m.o_auth_client) if m.o_auth_client is not None else None,
                     scopes=tuple(m.authorized_scope or ()))


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _config_version(m: Any) -> ConfigVersion:
    a = m.authentication_settings
    auth = None if a is None else AuthSettings(enabled=bool(a.enabled), integration_id=a.integration_id,
                                               allow_session_upgrade=a.allow_session_upgrade)
    return ConfigVersion(id=m.id or "", name=m.name, version=m.version, status=m.status,
                         date_published=_iso(m.date_published), date_modified=_iso(m.date_modified), auth=auth,
                         languages=tuple(m.languages or ()), default_language=m.default_language)


# ---------------------------------------------------------------------------------------------
# plain HTTPS (the OpenID discovery document), same limits


def fetch_json(url: str, what: str, deadline: Deadline, limits: Limits, follow_redirects: bool = False) -> dict:
    """GET a JSON object (a discovery document, a JWKS) within what is left of ``deadline``."""
    import urllib3

    from migrate.genesys import http

    timeouts = request_timeouts(deadline.remaining(), limits.timeout)
    if timeouts is None:
        raise GenesysError("timeout", f"{what}: gave up, the {deadline.budget:g} s limit for the whole command "
                           "is used up")
    connect, read = timeouts
    shown = http.short(url)
    try:
        got = http.get(url, seconds=min(deadline.remaining(), limits.timeout), connect=connect, read=read,
                       follow_other_hosts=follow_redirects)
    except http.DeadlineExceeded:
        raise GenesysError("timeout", f"{what}: {shown} gave no complete answer within "
                           f"{min(deadline.budget, limits.timeout):g} s", _NETWORK_HINT) from None
    except http.BadAnswer as exc:
        raise GenesysError("http", f"{what}: {shown}: {exc}") from None
    except urllib3.exceptions.HTTPError as exc:
        raise network_error(what, exc, urlsplit(url), connect, read) from None
    except (OSError, ValueError) as exc:  # a URL urllib3 cannot even try
        raise GenesysError("network", f"{what}: cannot fetch {shown} ({type(exc).__name__})", _NETWORK_HINT) from None
    if got.status != 200:
        raise GenesysError("http", f"{what}: {shown} answered {got.status}", status=got.status)
    try:
        return http.json_object(got.body)
    except http.BadAnswer as exc:
        raise GenesysError("http", f"{what}: {shown}: {exc}") from None


def network_error(what: str, exc: Exception, target, connect: float, read: float,
                  attempts: int = 1) -> GenesysError:
    """One line for a urllib3 failure (the SDK's calls and plain JSON fetches alike)."""
    import urllib3.exceptions as e

    reason = getattr(exc, "reason", None) or exc
    where = target.hostname if target.port is None else f"{target.hostname}:{target.port}"
    tries = f" ({attempts} attempts)" if attempts > 1 else ""
    if isinstance(reason, e.ReadTimeoutError):
        return GenesysError("timeout", f"{what}: {where} did not answer within {round(read, 1):g} s", _NETWORK_HINT)
    if isinstance(reason, e.NameResolutionError):
        return GenesysError("network", f"{what}: cannot resolve {target.hostname}", "check the host name and DNS")
    if isinstance(reason, e.NewConnectionError):  # before ConnectTimeoutError, its parent
        why = "connection refused" if "refused" in str(reason).lower() else "cannot connect"
        return GenesysError("network", f"{what}: {why} by {where}{tries}", _NETWORK_HINT)
    if isinstance(reason, e.ConnectTimeoutError):
        return GenesysError("timeout", f"{what}: could not connect to {where} within {round(connect, 1):g} s{tries}",
                            _NETWORK_HINT)
    if isinstance(reason, e.SSLError):
        return GenesysError("tls", f"{what}: TLS failure talking to {where}",
                            "check the host name, the system's CA certificates and any TLS-inspecting proxy")
    if isinstance(reason, (e.ProtocolError, ConnectionError)):
        return GenesysError("network", f"{what}: the connection to {where} was dropped", _NETWORK_HINT)
    return GenesysError("network", f"{what}: {type(reason).__name__} talking to {where}", _NETWORK_HINT)
