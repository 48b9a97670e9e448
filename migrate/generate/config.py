"""What `migrate generate` needs to know, from flags and an optional migrate.yaml (flags win)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from migrate.regions import Region, find

CONFIG_FILE = "migrate.yaml"
# The settings generate (and keys, rotate-key) read at the top of migrate.yaml. The file's `scan:`
# section belongs to `migrate scan`, so one file serves both commands.
SETTINGS = frozenset({"idp", "idp_issuer", "region", "deployment_id", "issuer", "client_id", "redirect_uri", "mapping",
                      "login_url", "configuration_id", "allow_session_upgrade", "refresh_lifetime", "environment"})
SCAN_SECTION = "scan"
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_LOCAL = ("localhost", "127.0.0.1", "::1")
# Values that reach generated code in every language are plain: a host name, a URL path of plain
# segments, a client id without quotes or spaces.
_HOST = re.compile(r"(?=.{1,253}$)(?!-)[A-Za-z0-9-]{1,63}(?<!-)(?:\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*|\[[0-9A-Fa-f:.]+\]")
_PATH_SEGMENT = re.compile(r"[A-Za-z0-9._~-]+")
_CLIENT_ID = re.compile(r"[A-Za-z0-9._:@-]{1,128}")
# Max Refresh Token Lifetime of the "OpenID Connect Messenger Configuration" integration: 15 minutes
# to 90 days (help.mypurecloud.com); 24 h is the refresh-token lifetime Genesys is quoted with.
REFRESH_MIN, REFRESH_MAX, REFRESH_DEFAULT = 15 * 60, 90 * 24 * 3600, 24 * 3600


class ConfigError(ValueError):
    """A missing or invalid setting; the message names it and says how to give it."""


@dataclass(frozen=True)
class Config:
    region: Region
    deployment_id: str
    issuer: str | None  # None: not given; only a site that signs no one in to the widget goes without
    client_id: str
    redirect_uri: str | None  # None only without an issuer
    mappings: tuple[Path, ...] = ()
    login_url: str | None = None  # where AuthProvider's reAuthenticate sends the visitor
    configuration_id: str | None = None  # the Messenger configuration the deployment uses today
    allow_session_upgrade: bool = False  # anonymous conversations may become authenticated
    refresh_lifetime: int = REFRESH_DEFAULT  # seconds: the integration's Max Refresh Token Lifetime
    # --idp: the site's own identity provider signs the visitor in (migrate/generate/idp.py);
    # idp_issuer is exactly the `iss` it writes (issuer holds it without a trailing slash).
    idp: str | None = None
    idp_issuer: str | None = None

    @property
    def issuer_path(self) -> str:
        return urlsplit(self.issuer or "").path.rstrip("/") or "/"

    @property
    def origin(self) -> str:
        parts = urlsplit(self.issuer or "")
        return f"{parts.scheme}://{parts.netloc}"


def _file_settings(root: Path) -> dict:
    path = root / CONFIG_FILE if root.is_dir() else root.parent / CONFIG_FILE
    if not path.is_file():
        return {}
    import yaml

    try:
        if path.stat().st_size > 1_000_000:
            raise ConfigError(f"{path}: larger than 1 MB; a settings file is a few lines")
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply to be a settings file") from None
    except (yaml.YAMLError, OSError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ConfigError(f"{where}: not valid YAML ({getattr(exc, 'problem', None) or exc})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: must be a mapping like `region: eu-west-1`")
    known = SETTINGS
    bad = next((k for k in data if not isinstance(k, str)), None)
    if bad is not None:
        raise ConfigError(f"{path}: {bad!r} is not a setting name (known: {', '.join(sorted(known))})")
    data = {k.replace("-", "_"): v for k, v in data.items() if k != SCAN_SECTION}  # scan's own section
    for name in ("idp", "idp_issuer", "region", "deployment_id", "issuer", "client_id", "redirect_uri", "login_url", "configuration_id",
                 "allow_session_upgrade", "refresh_lifetime", "environment"):
        if isinstance(data.get(name), (dict, list)):
            raise ConfigError(f"{path}: {name} must be a single value")
    maps = data.get("mapping")
    if maps is not None and not (isinstance(maps, str) or
                                 (isinstance(maps, list) and all(isinstance(m, str) for m in maps))):
        raise ConfigError(f"{path}: mapping must be a file name or a list of file names")
    unknown = set(data) - known
    if unknown:
        raise ConfigError(f"{path}: unknown setting {sorted(unknown)[0]!r} (known: {', '.join(sorted(known))})")
    return data


def load(root: Path, *, idp: str | None = None, idp_issuer: str | None = None,
         region: str | None = None, deployment_id: str | None = None, issuer: str | None = None,
         client_id: str | None = None, redirect_uri: str | None = None,
         mappings: tuple[Path, ...] = (), login_url: str | None = None, configuration_id: str | None = None,
         allow_session_upgrade: bool | None = None, refresh_lifetime: int | str | None = None,
         environment: str | None = None) -> Config:
    """The settings; --issuer may be missing here: generate asks for it once it sees the site signs
    visitors in to the widget (a site that does not gets anonymous Messenger)."""
    file = _file_settings(root)

    def pick(name: str, flag: str | None) -> str | None:
        value = flag if flag is not None else file.get(name)
        return str(value).strip() if value is not None else None

    region_v, deployment_v, issuer_v = pick("region", region), pick("deployment_id", deployment_id), pick("issuer", issuer)
    idp_v, idp_issuer_v = pick("idp", idp), pick("idp_issuer", idp_issuer)
    if idp_v or idp_issuer_v:
        from migrate.generate.idp import settle

        idp_v, idp_issuer_v = settle(idp_v, idp_issuer_v, pick("redirect_uri", redirect_uri))
        issuer_v = idp_issuer_v
    missing = [f"--{n.replace('_', '-')}" for n, v in (("region", region_v), ("deployment_id", deployment_v)) if not v]
    if missing:
        raise ConfigError(f"missing {', '.join(missing)}: give it as a flag or in {CONFIG_FILE} at the root "
                          "(e.g. `region: eu-west-1`)")
    try:
        reg = find(region_v)  # type: ignore[arg-type]
    except KeyError as exc:
        raise ConfigError(str(exc.args[0])) from None
    env_v = pick("environment", environment)
    if env_v:
        if not re.fullmatch(r"[a-z0-9-]+", env_v):
            raise ConfigError(f"--environment {env_v!r} is not a Messenger environment code (like prod-euw1)")
        reg = replace(reg, env=env_v)
    elif reg.env is None:
        raise ConfigError(f"the Messenger environment code of {reg.name} ({reg.aws}) is in no source this tool "
                          "trusts: copy it from the deployment's snippet (Admin > Message > Messenger Deployments, "
                          "the `environment:` value) and give it as --environment or `environment:` in "
                          f"{CONFIG_FILE}")
    if not _UUID.match(deployment_v):  # type: ignore[arg-type]
        raise ConfigError(f"--deployment-id {deployment_v!r} is not a UUID (Admin > Message > Messenger Deployments)")
    conf_v = pick("configuration_id", configuration_id) or None
    if conf_v is not None and not _UUID.match(conf_v):
        raise ConfigError(f"--configuration-id {conf_v!r} is not a UUID (Admin > Message > Messenger Configurations, "
                          "the configuration the deployment uses)")
    redirect = None
    if issuer_v:
        try:
            parts = urlsplit(issuer_v)
            parts.port  # noqa: B018  (a bad port or IPv6 literal raises here, not later)
        except ValueError as exc:
            raise ConfigError(f"--issuer {issuer_v!r} is not a URL ({exc})") from None
        if parts.scheme not in ("https", "http") or not parts.netloc:
            raise ConfigError(f"--issuer {issuer_v!r} must be an absolute URL like https://shop.example.com/oidc")
        if parts.scheme == "http" and parts.hostname not in _LOCAL:
            raise ConfigError(f"--issuer {issuer_v!r} uses http: OpenID providers must use https (http only for localhost)")
        if parts.query or parts.fragment:
            raise ConfigError(f"--issuer {issuer_v!r} must not have a query or fragment")
        host = parts.netloc.rsplit("@", 1)[-1]
        host = host if host.startswith("[") else host.split(":", 1)[0]
        if "@" in parts.netloc or not _HOST.fullmatch(host) or (parts.port is None and parts.netloc.endswith(":")):
            raise ConfigError(f"--issuer {issuer_v!r}: {host!r} is not a host name")
        segments = [seg for seg in parts.path.split("/") if seg]
        if any(not _PATH_SEGMENT.fullmatch(seg) or seg in (".", "..") for seg in segments) or "//" in parts.path:
            raise ConfigError(f"--issuer {issuer_v!r}: its path must be plain segments like /oidc (letters, digits, "
                              ". _ ~ -), the path the provider is mounted at")
        issuer_v = issuer_v.rstrip("/")
        redirect = pick("redirect_uri", redirect_uri) or f"{parts.scheme}://{parts.netloc}/"
        try:
            r = urlsplit(redirect)
            r.port  # noqa: B018
        except ValueError as exc:
            raise ConfigError(f"--redirect-uri {redirect!r} is not a URL ({exc})") from None
        if r.scheme not in ("https", "http") or not r.netloc or r.fragment:
            raise ConfigError(f"--redirect-uri {redirect!r} must be an absolute URL without a fragment")
        if r.scheme == "http" and r.hostname not in _LOCAL:
            raise ConfigError(f"--redirect-uri {redirect!r} uses http: only https (http only for localhost)")
        if any(c in redirect for c in "\"'<>`\\ \t\r\n"):
            raise ConfigError(f"--redirect-uri {redirect!r} must be a plain URL (no quotes, spaces or backslashes)")
    file_maps = file.get("mapping") or []
    file_maps = [file_maps] if isinstance(file_maps, str) else list(file_maps)
    base = root if root.is_dir() else root.parent
    all_maps = tuple(base / m for m in file_maps) + tuple(mappings)
    login = pick("login_url", login_url) or None
    if login is not None and (not (login.startswith("/") or urlsplit(login).scheme in ("http", "https"))
                              or login.startswith(("//", "/\\")) or any(c in login for c in "\"'<>`\\ \t\r\n")):
        # "//evil.example" is another site's address in a browser, not a path
        raise ConfigError(f"--login-url {login!r} must be a path like /login or an absolute http(s) URL")
    upgrade = allow_session_upgrade if allow_session_upgrade is not None else file.get("allow_session_upgrade", False)
    if not isinstance(upgrade, bool):
        raise ConfigError(f"{CONFIG_FILE}: allow_session_upgrade must be true or false")
    lifetime = _lifetime(refresh_lifetime if refresh_lifetime is not None else file.get("refresh_lifetime"))
    client = pick("client_id", client_id) or "genesys-messenger"
    if not _CLIENT_ID.fullmatch(client):
        raise ConfigError(f"--client-id {client!r} must be letters, digits and . _ : @ - (at most 128)")
    conf = Config(reg, deployment_v.lower(), issuer_v or None, client,  # type: ignore[union-attr]
                  redirect, all_maps, login, conf_v.lower() if conf_v else None, upgrade, lifetime)
    if idp_v:
        from dataclasses import replace as _with

        from migrate.generate.idp import default_client_id

        conf = _with(conf, idp=idp_v, idp_issuer=idp_issuer_v,
                     client_id=pick("client_id", client_id) or default_client_id(idp_v))
    return conf


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _lifetime(value: int | str | None) -> int:
    """Seconds from 86400, "86400", "24h", "30m" or "7d", within what Genesys accepts."""
    if value is None:
        return REFRESH_DEFAULT
    text = str(value).strip().lower()
    m = re.fullmatch(r"(\d+)\s*([smhd]?)", text)
    if m is None or isinstance(value, bool):
        raise ConfigError(f"--refresh-lifetime {value!r} must be seconds or a duration like 24h, 30m, 7d")
    seconds = int(m.group(1)) * _UNITS[m.group(2) or "s"]
    if not REFRESH_MIN <= seconds <= REFRESH_MAX:
        raise ConfigError(f"--refresh-lifetime {value!r}: Genesys accepts 15 minutes to 90 days "
                          "(Max Refresh Token Lifetime of the OpenID Connect Messenger Configuration)")
    return seconds
