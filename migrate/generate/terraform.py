"""`migrate generate --terraform DIR`: the Genesys side as CX-as-Code (mypurecloud/genesyscloud) HCL.

Terraform updates what the customer has, never replaces it: the Messenger configuration the
deployment uses and the deployment itself are imported by id, and `lifecycle.ignore_changes` keeps
every attribute the migration does not need to change (styles, languages, Knowledge, file upload,
flow...) as it is in Genesys, so the provider's update sends them back unchanged. What changes:
authentication settings, the allowed domains (added to the deployment's list), and the widget's
own settings carried from Zendesk, each with the key it came from.

The files are a change set like the rest of generate: shown, never written without --apply. When DIR
is inside the site they join the site's diff (paths relative to the site); otherwise they form a
change set of their own, rooted at DIR.
"""

from __future__ import annotations

import json
from pathlib import Path

from migrate.generate.changes import ChangeSet, FileChange, SourceFile
from migrate.generate.config import Config
from migrate.generate.genesys_side import GenesysSide
from migrate.generate.messenger_settings import LAUNCHER_TEXT
from migrate.generate.render import render

FILES = ("main.tf", "variables.tf", "README.md")
# The provider version whose schema this was written against (resource docs, schema and tests).
PROVIDER_VERSION = "1.84.1"

# Every attribute of genesyscloud_webdeployments_configuration (v1.84) the migration may leave alone.
_CONFIG_TOP = ("description", "headless_mode_enabled", "status", "custom_i18n_labels", "cobrowse", "video",
               "journey_events", "support_center")
_MESSENGER = ("enabled", "apps", "file_upload", "home_screen", "session_persistence_type")
_LAUNCHER = ("visibility", "display_type", "icon")
_POSITION = ("alignment", "side_space", "bottom_space")
_DEPLOYMENT_KEPT = ("name", "description", "flow_id", "push_integrations", "supported_content_id", "status")


def hcl_string(value: str) -> str:
    """A quoted HCL string: JSON escapes, plus `${` and `%{` kept literal."""
    return json.dumps(value, ensure_ascii=False).replace("${", "$${").replace("%{", "%%{")


def hcl_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(hcl_value(v) for v in value) + "]"
    return hcl_string(str(value))


def _attributes(pairs: list[tuple[str, str]], indent: str) -> list[str]:
    """`name = value` lines with the equals signs aligned, as `terraform fmt` writes them."""
    width = max((len(k) for k, _ in pairs), default=0)
    return [f"{indent}{k.ljust(width)} = {v}" for k, v in pairs]


def _comment(text: str, indent: str) -> str:
    return f"{indent}# {text}"


class _Config:
    """The configuration resource's body: what is set, and the path of everything left alone."""

    def __init__(self, side: GenesysSide):
        self.side = side
        self.by_field = {}
        for s in side.carried:
            self.by_field[s.field] = s  # the last one wins, as it did on the page

    def _src(self, field: str) -> str:
        s = self.by_field[field]
        return f"{s.key}{' = ' + s.raw if s.raw else ''} ({s.file})"

    def body(self) -> tuple[list[str], list[str]]:
        side, by = self.side, self.by_field
        lines: list[str] = []
        ignore: list[str] = ["name"]
        existing = side.existing
        lang = side.default_language
        if lang:
            lines.append(_comment(f"Languages: from {self._src('default_language')}, added to the languages the "
                                  "configuration has.", "  "))
            lines += ["  name             = var.configuration_name",
                      f"  languages        = distinct(concat(var.existing_languages, [{hcl_string(lang)}]))",
                      f"  default_language = {hcl_string(lang)}"]
        else:
            lines += ["  name             = var.configuration_name",
                      "  languages        = var.existing_languages",
                      "  default_language = var.existing_default_language"]
            ignore += ["languages", "default_language"]
        ignore += list(_CONFIG_TOP)

        position = [(k, by.get(f"position.{k}")) for k in _POSITION]
        if any(s for _, s in position):
            lines += ["", "  position {"]
            for k, s in position:
                if s is not None:
                    lines.append(_comment(f"From {self._src(f'position.{k}')}", "    "))
                    lines += _attributes([(k, hcl_value(s.value))], "    ")
                else:
                    ignore.append(f"position[0].{k}")
            lines.append("  }")
        else:
            ignore.append("position")

        color = by.get("messenger.styles.primary_color")
        launcher = [(k, by.get(f"messenger.launcher_button.{k}")) for k in _LAUNCHER]
        if color or any(s for _, s in launcher):
            lines += ["", "  messenger {"]
            ignore += [f"messenger[0].{k}" for k in _MESSENGER]
            if color:
                lines += ["    styles {", _comment(f"From {self._src('messenger.styles.primary_color')}", "      "),
                          f"      primary_color = {hcl_string(str(color.value))}", "    }"]
            else:
                ignore.append("messenger[0].styles")
            if any(s for _, s in launcher):
                lines.append("    launcher_button {")
                for k, s in launcher:
                    if s is not None:
                        why = f"From {self._src(f'messenger.launcher_button.{k}')}" + (f": {s.note}" if s.note else "")
                        lines.append(_comment(why, "      "))
                        lines += _attributes([(k, hcl_value(s.value))], "      ")
                    else:
                        ignore.append(f"messenger[0].launcher_button[0].{k}")
                lines.append("    }")
            else:
                ignore.append("messenger[0].launcher_button")
            lines.append("  }")
        else:
            ignore.append("messenger")

        labels = [s for s in side.carried if (s.field or "").startswith("custom_i18n_labels.")]
        if labels:
            lines += ["", _comment(f"TODO(migrate:ZG107): the launcher text ({LAUNCHER_TEXT}). Setting "
                                   "custom_i18n_labels here replaces every custom label the configuration has:", "  "),
                      _comment("add these in Admin > Message > Messenger Configurations, or uncomment them "
                               "together with the labels it has today.", "  ")]
            for s in labels:
                code = (s.field or "").split(".")[1]
                code = lang or (existing.default_language if existing and existing.default_language else "en-us") \
                    if code == "*" else code
                lines += [_comment(f"From {s.key} = {s.raw} ({s.file})", "  "),
                          _comment("custom_i18n_labels {", "  "),
                          _comment(f"  language = {hcl_string(code)}", "  "),
                          _comment("  localized_labels {", "  "),
                          _comment(f"    key   = {hcl_string(LAUNCHER_TEXT)}", "  "),
                          _comment(f"    value = {hcl_string(str(s.value))}", "  "),
                          _comment("  }", "  "), _comment("}", "  ")]
        todos = side.todos
        if todos:
            lines += ["", _comment("TODO(migrate:ZG107): Zendesk settings with no equivalent here, with their "
                                   "values:", "  ")]
            lines += [_comment(f"  {s.key} = {s.raw} ({s.file}): {s.todo}", "  ") for s in todos]

        if side.authenticated:
            auth = [("enabled", "true"), ("integration_id", "genesyscloud_integration.messenger_oidc.id")]
            if side.allow_session_upgrade:
                auth.append(("allow_session_upgrade", "true"))
            lines += ["", "  authentication_settings {"] + _attributes(auth, "    ") + ["  }"]
        else:
            ignore.append("authentication_settings")
        return lines, ignore


def _ignore_block(paths: list[str], why: str) -> list[str]:
    out = ["", "  lifecycle {", _comment(why, "    "), "    ignore_changes = ["]
    out += [f"      {p}," for p in paths]
    return out + ["    ]", "  }"]


def configuration_resource(side: GenesysSide) -> str:
    body, ignore = _Config(side).body()
    lines = ['resource "genesyscloud_webdeployments_configuration" "messenger" {', *body]
    lines += _ignore_block(ignore, "Kept as they are in Genesys: the provider's update sends these back unchanged.")
    return "\n".join(lines + ["}"])


def deployment_resource(side: GenesysSide) -> str:
    existing = side.existing
    lines = ['resource "genesyscloud_webdeployments_deployment" "messenger" {',
             "  name = var.deployment_name"]
    ignore = list(_DEPLOYMENT_KEPT)
    if existing is not None and existing.allow_all_domains:
        lines.insert(1, _comment("The deployment allows all domains today: left so.", "  "))
        ignore += ["allow_all_domains", "allowed_domains"]
    elif side.allowed_domains:
        lines = [lines[0], *_attributes([
            ("name", "var.deployment_name"),
            ("allowed_domains", "distinct(concat(var.existing_allowed_domains, "
                                + hcl_value(list(side.allowed_domains)) + "))")], "  ")]
        ignore.append("allow_all_domains")
    else:
        ignore += ["allow_all_domains", "allowed_domains"]
    lines += ["  configuration {", *_attributes([
        ("id", "genesyscloud_webdeployments_configuration.messenger.id"),
        ("version", "genesyscloud_webdeployments_configuration.messenger.version")], "    "), "  }"]
    lines += _ignore_block(ignore, "Kept as they are in Genesys: only the allowed domains and the configuration "
                                   "version change.")
    return "\n".join(lines + ["}"])


def render_files(config: Config, side: GenesysSide) -> dict[str, str]:
    """File name -> content; nothing secret in it (the client secret is a sensitive variable)."""
    q = hcl_string
    existing = side.existing
    if not side.configuration_id:
        raise ValueError("the Messenger configuration id is needed to import it (--configuration-id)")
    ctx = {
        "issuer": side.issuer,
        "authenticated": side.authenticated,
        "provider_version": q(PROVIDER_VERSION), "provider_version_raw": PROVIDER_VERSION,
        "aws_region": q(config.region.aws), "region_name": config.region.name,
        "client_id": q(side.client_id or ""), "client_id_raw": side.client_id,
        "discovery_uri": q(side.discovery_uri or ""), "discovery_uri_raw": side.discovery_uri,
        "refresh_lifetime": side.refresh_lifetime,
        "deployment_id": q(side.deployment_id), "deployment_id_raw": side.deployment_id,
        "configuration_id": q(side.configuration_id), "configuration_id_raw": side.configuration_id,
        "allowed_domains_raw": ", ".join(f"`{d}`" for d in side.allowed_domains),
        "allow_session_upgrade": side.allow_session_upgrade,
        "carried": [s for s in side.carried],
        "todos": list(side.todos),
        "configuration_resource": configuration_resource(side),
        "deployment_resource": deployment_resource(side),
        "secret_file": str(side.secret_file),
        "secret_description": q("The client secret Genesys presents to the site's token endpoint "
                                f"(the content of {side.secret_file})."),
        "looked_up": existing is not None,
        "deployment_name": q(existing.deployment_name if existing else "") if existing else None,
        "configuration_name": q(existing.configuration_name) if existing and existing.configuration_name else None,
        "existing_allowed_domains": hcl_value(list(existing.allowed_domains)) if existing else None,
        "existing_languages": hcl_value(list(existing.languages)) if existing and existing.languages else None,
        "existing_default_language": q(existing.default_language) if existing and existing.default_language else None,
        "needs_domains": bool(side.allowed_domains) and not (existing and existing.allow_all_domains),
        "needs_languages": side.default_language is not None,
    }
    return {name: render(f"terraform/{name}.j2", **ctx) for name in FILES}


def change_set(site: Path, directory: Path, files: dict[str, str]) -> tuple[ChangeSet, bool]:
    """The files as a change set, and whether it belongs to the site (DIR inside it).

    An existing file is a `before`, so a second run over applied files shows no change."""
    site, directory = site.resolve(), directory.resolve()
    inside = directory == site or site in directory.parents
    base = site if inside else directory
    changes = []
    for name, text in files.items():
        rel = (directory / name).relative_to(base).as_posix()
        before = SourceFile.read(base, rel) if (base / rel).is_file() else None
        changes.append(FileChange(rel, before, text, ("Genesys side as Terraform [templates/terraform]",)))
    return ChangeSet(base, tuple(changes)), inside
