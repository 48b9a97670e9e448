"""What to enter in Genesys Cloud, and the two secrets the provider needs (written only on --apply,
0600, outside the project so they cannot be committed; their values are never printed).

The customer's Messenger setup is kept: the deployment and the configuration it uses today are
changed only where the migration needs it (authentication, allowed domains added to the list the
deployment has, the widget's own settings carried over). A site that signs no one in to the widget
gets anonymous Messenger: no provider, no integration.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from migrate.generate.config import Config
from migrate.generate.messenger_settings import LAUNCHER_TEXT, Setting, carried
from migrate.generate.plan import Plan
from migrate.genesys.model import Existing

INTEGRATION = "OpenID Connect Messenger Configuration"


def secrets_dir(config: Config) -> Path:
    return secrets_folder(config.issuer)


def secrets_folder(issuer: str | None) -> Path:
    """Where the client secret and the signing key live: outside the project, one folder per issuer host."""
    base = os.environ.get("MIGRATE_SECRETS_DIR")
    if base:
        return Path(base)
    home = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return home / "migrate" / (urlsplit(issuer or "").hostname or "provider")


def sign_in_sites(plan: Plan) -> list[str]:
    """Where the site signs visitors in to the widget (path:line), or hands Messenger a sign-in
    already: empty for a site whose widget stays anonymous."""
    out = [f"{b.signer.path}:{b.signer.line}" for b in plan.backends]
    out += [f"{v.signer.path}:{v.signer.line}" for v in plan.inventory.signers
            if v.purpose == "zendesk" and v.signer.browser]
    out += [f"{p.path}:{p.call.line}" for p in plan.calls if p.action == "authprovider"]
    out += [f"{w.path}:{c.line}" for w in plan.inventory.widgets for c in w.calls
            if c.api == "Genesys" and c.command == "AuthProvider"]
    return list(dict.fromkeys(out))


def missing_issuer(plan: Plan, config: Config) -> str | None:
    """Why --issuer is needed, when it is and was not given."""
    if config.issuer is not None:
        return None
    where = sign_in_sites(plan)
    if not where:
        return None
    return (f"missing --issuer: the site signs visitors in to the widget ({', '.join(where[:3])}"
            f"{', ...' if len(where) > 3 else ''}), and Genesys signs them in through an OpenID provider: give its "
            "issuer as --issuer or in migrate.yaml (e.g. `issuer: https://shop.example.com/oidc`)")


def _duration(seconds: int) -> str:
    for unit, size in (("days", 86400), ("h", 3600), ("min", 60)):
        if seconds % size == 0 and seconds >= size:
            n = seconds // size
            return f"{n} {'day' if unit == 'days' and n == 1 else unit}"
    return f"{seconds} s"


@dataclass(frozen=True)
class GenesysSide:
    region: str
    deployment_id: str
    authenticated: bool
    discovery_uri: str | None
    issuer: str | None
    client_id: str | None
    redirect_uri: str | None
    allowed_domains: tuple[str, ...]  # to add to the deployment's list (the site's and the issuer's hosts)
    secret_file: Path | None
    key_file: Path | None
    configuration_id: str | None = None
    allow_session_upgrade: bool = False
    refresh_lifetime: int = 86400
    settings: tuple[Setting, ...] = ()
    existing: Existing | None = None
    notes: tuple[str, ...] = field(default=())

    def with_existing(self, existing: Existing) -> GenesysSide:
        """The deployment's setup as read from Genesys: its configuration id wins over none given."""
        return replace(self, existing=existing, configuration_id=self.configuration_id or existing.configuration_id)

    @property
    def carried(self) -> tuple[Setting, ...]:
        return tuple(s for s in self.settings if s.field is not None)

    @property
    def todos(self) -> tuple[Setting, ...]:
        return tuple(s for s in self.settings if s.field is None and s.todo != "replaced by the AuthProvider plugin")

    @property
    def default_language(self) -> str | None:
        found = [s.value for s in self.carried if s.field == "default_language"]
        return str(found[-1]) if found else None

    def to_dict(self) -> dict:
        def setting(s: Setting) -> dict:
            return {"field": s.field, "value": s.value, "zendesk": s.key, "was": s.raw, "at": s.where,
                    **({"todo": s.todo} if s.todo else {}), **({"note": s.note} if s.note else {})}

        out: dict = {
            "authenticated": self.authenticated,
            "messenger_configuration": {
                "id": self.configuration_id, "kept": "only the fields below change",
                "authentication": ({"enabled": True, "integration": "the integration above",
                                    "allow_session_upgrade": self.allow_session_upgrade}
                                   if self.authenticated else "unchanged (anonymous Messenger)"),
                "settings": [setting(s) for s in self.carried],
                "todo": [setting(s) for s in self.todos],
            },
            "deployment": {"id": self.deployment_id, "region": self.region,
                           "allowed_domains_added": list(self.allowed_domains),
                           **({"allowed_domains_today": list(self.existing.allowed_domains)}
                              if self.existing else {})},
            "notes": list(self.notes),
        }
        if self.authenticated:
            out["integration"] = {
                "type": INTEGRATION,
                "configuration": {"discovery_uri": self.discovery_uri,
                                  "max_refresh_token_lifetime_seconds": self.refresh_lifetime},
                "credentials": {"client_id": self.client_id,
                                "client_secret": {"file": str(self.secret_file), "value": "***"}},
            }
            out["provider_environment"] = {
                "GENESYS_OIDC_ISSUER": self.issuer, "GENESYS_OIDC_CLIENT_ID": self.client_id,
                "GENESYS_OIDC_CLIENT_SECRET": f"the content of {self.secret_file}",
                "GENESYS_OIDC_PRIVATE_KEY_FILE": str(self.key_file),
                "GENESYS_OIDC_REDIRECT_URIS": self.redirect_uri,
                "GENESYS_OIDC_REFRESH_TTL": str(self.refresh_lifetime),
                "GENESYS_OIDC_STORE_URL": "redis://... when the site runs several processes",
            }
        return out

    def setting_lines(self, indent: str) -> list[str]:
        """The carried settings and the TODOs, one line each, with the Zendesk key behind each."""
        lines = []
        for s in self.carried:
            if s.field == "default_language":
                what = f"Languages: add {s.value}, keep the others; default language {s.value}"
            elif s.field and s.field.startswith("custom_i18n_labels."):
                lang = s.field.split(".")[1]
                what = (f"Launcher text ({LAUNCHER_TEXT}, "
                        f"{'default language' if lang == '*' else lang}) {s.value!r}")
            else:
                what = f"{s.field} = {s.value}"
            lines.append(f"{indent}{what}   <- {s.source}")
        for s in self.todos:
            lines.append(f"{indent}TODO(migrate:ZG107) {s.source}: {s.todo}")
        return lines

    def text(self) -> str:
        dep = f"deployment {self.deployment_id} ({self.region})"
        conf = f"configuration {self.configuration_id}" if self.configuration_id else "the configuration it uses"
        lines: list[str] = []
        if not self.authenticated:
            lines += [
                "The site signs no one in to the Zendesk widget: Messenger stays anonymous (no OpenID provider, no "
                "integration, authentication left as it is).",
                "In Genesys Cloud:",
                f"  1. Admin > Message > Messenger Configurations: {conf} of {dep}; keep everything else as it is"
                + (":" if self.settings else "."),
                *self.setting_lines("       "),
                "     and publish a new version." if self.settings else "     Nothing to change in it.",
                f"  2. Admin > Message > Messenger Deployments: {dep}: the site's domain must be in its allowed "
                "domains (add it to the list, keep the others).",
            ]
            return "\n".join(lines + list(f"note: {n}" for n in self.notes)) + "\n"
        upgrade = "; Allow session upgrade on (an anonymous conversation becomes authenticated at sign-in)" \
            if self.allow_session_upgrade else ""
        lines += [
            "In Genesys Cloud:",
            f"  1. Admin > Integrations > + Integrations: install \"{INTEGRATION}\".",
            "     Configuration:",
            f"       Discovery URI  {self.discovery_uri}",
            f"       Max Refresh Token Lifetime  {self.refresh_lifetime} seconds ({_duration(self.refresh_lifetime)})",
            "     Credentials (Configure):",
            f"       Client ID      {self.client_id}",
            f"       Client Secret  the content of {self.secret_file} (never shown here)",
            "     and activate it.",
            f"  2. Admin > Message > Messenger Configurations: {conf} of {dep}; keep everything else as it is:",
            f"       Authentication on, with that integration{upgrade}",
            *self.setting_lines("       "),
            "     and publish a new version.",
            f"  3. Admin > Message > Messenger Deployments: {dep}: add {', '.join(self.allowed_domains)} to its "
            "allowed domains (keep the others); it serves the new version of the same configuration.",
            "On the site's server, the provider reads:",
            f"  GENESYS_OIDC_ISSUER={self.issuer}",
            f"  GENESYS_OIDC_CLIENT_ID={self.client_id}",
            f"  GENESYS_OIDC_CLIENT_SECRET=\"$(cat {self.secret_file})\"",
            f"  GENESYS_OIDC_PRIVATE_KEY_FILE={self.key_file}",
            f"  GENESYS_OIDC_REDIRECT_URIS={self.redirect_uri}",
            f"  GENESYS_OIDC_REFRESH_TTL={self.refresh_lifetime}   (the Max Refresh Token Lifetime above)",
            "  GENESYS_OIDC_STORE_URL=redis://...   (when the site runs several processes or instances: codes and "
            "refresh tokens must be shared; Django, Rails, Laravel, ASP.NET Core and Spring use their shared cache)",
            "Which signing algorithms, clock skew and JWKS caching Genesys applies to the ID token is not documented "
            "(unconfirmed); the provider uses RS256 with a kid, the standard choice.",
        ]
        return "\n".join(lines + list(f"note: {n}" for n in self.notes)) + "\n"

    def preflight(self, project: Path) -> None:
        """Refuse, before anything is written, a secrets folder or file that would leak the client
        secret or the signing key: inside the project (it would be committed), writable by others,
        a symbolic link, or an existing file others can read.  Raises SecretsProblem."""
        if not self.authenticated or self.secret_file is None or self.key_file is None:
            return
        folder = self.secret_file.parent
        if folder.is_symlink():
            raise SecretsProblem(f"the secrets folder {folder} is a symbolic link; give a real folder "
                                 "(MIGRATE_SECRETS_DIR) outside the project")
        if folder.resolve().is_relative_to(project.resolve()):
            raise SecretsProblem(f"the secrets folder {folder} is inside the project, where it would be committed; "
                                 "set MIGRATE_SECRETS_DIR to a folder outside it")
        for parent in [folder, *folder.parents]:
            if parent.exists():
                st = parent.stat()
                if st.st_mode & 0o002 and not st.st_mode & 0o1000:  # world-writable without the sticky bit
                    raise SecretsProblem(f"{parent} can be written by anyone: the secrets could be swapped there; "
                                         "set MIGRATE_SECRETS_DIR to a private folder")
                if parent == folder and (st.st_uid != os.getuid() or st.st_mode & 0o077):
                    raise SecretsProblem(f"the secrets folder {folder} is not private to you (mode "
                                         f"{oct(st.st_mode & 0o777)}); `chmod 700` it or choose another")
                break
        for file in (self.secret_file, self.key_file):
            if file.is_symlink():
                raise SecretsProblem(f"{file} is a symbolic link; remove it and run again (a new one is made)")
            if file.exists():
                st = file.stat()
                if not file.is_file() or st.st_uid != os.getuid() or st.st_mode & 0o077:
                    raise SecretsProblem(f"{file} exists but is not a private file of yours (mode "
                                         f"{oct(st.st_mode & 0o777)}); `chmod 600` it if it is yours, or delete it")

    def materialize(self) -> list[str]:
        """Create the client secret and the RS256 key when they do not exist yet (0600)."""
        if not self.authenticated or self.secret_file is None or self.key_file is None:
            return []
        made = []
        self.secret_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not self.secret_file.exists():
            _write_private(self.secret_file, secrets.token_urlsafe(48) + "\n")
            made.append(str(self.secret_file))
        if not self.key_file.exists():
            _write_private(self.key_file, new_signing_key())
            made.append(str(self.key_file))
        return made


class SecretsProblem(RuntimeError):
    """The secrets folder or an existing secret is not safe to use: nothing was written."""


def new_signing_key() -> str:
    """A fresh RS256 signing key, PEM (PKCS#8)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode("ascii")


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(text)


def genesys_side(config: Config, plan: Plan | None = None) -> GenesysSide:
    """The Genesys side of a plan; without a plan (or with a sign-in in it) an authenticated one."""
    authenticated = config.issuer is not None and (plan is None or bool(sign_in_sites(plan)))
    notes = []
    if plan is not None and config.issuer is not None and not authenticated:
        notes.append(f"the site signs no one in to the widget: --issuer {config.issuer} is not used (anonymous "
                     "Messenger)")
    region = f"{config.region.name}, {config.region.aws} / {config.region.env}"
    settings = tuple(carried(plan)) if plan is not None else ()
    common = dict(region=region, deployment_id=config.deployment_id, configuration_id=config.configuration_id,
                  allow_session_upgrade=config.allow_session_upgrade and authenticated,
                  refresh_lifetime=config.refresh_lifetime, settings=settings, notes=tuple(notes))
    if not authenticated:
        return GenesysSide(authenticated=False, discovery_uri=None, issuer=None, client_id=None, redirect_uri=None,
                           allowed_domains=(), secret_file=None, key_file=None, **common)
    folder = secrets_dir(config)
    redirect = urlsplit(config.redirect_uri or "")
    domains = tuple(dict.fromkeys([redirect.hostname or "", urlsplit(config.issuer).hostname or ""]))
    return GenesysSide(
        authenticated=True,
        discovery_uri=f"{config.issuer}/.well-known/openid-configuration",
        issuer=config.issuer, client_id=config.client_id, redirect_uri=config.redirect_uri,
        allowed_domains=tuple(d for d in domains if d),
        secret_file=folder / "client-secret", key_file=folder / "oidc-signing-key.pem", **common,
    )
