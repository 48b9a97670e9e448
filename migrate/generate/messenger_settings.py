"""The Zendesk widget's look and behaviour carried into the Messenger configuration.

Classic `zESettings` and the widget calls a page makes at boot choose what Messenger sets in its
configuration (terraform-provider-genesyscloud v1.84, genesyscloud_webdeployments_configuration):
colour -> messenger.styles.primary_color, position and offset -> position.alignment /
side_space / bottom_space, launcher text -> custom_i18n_labels MessengerLauncherButtonText,
launcher label shown -> messenger.launcher_button.display_type, show / hide calls ->
messenger.launcher_button.visibility OnDemand (the only visibility Launcher.show / hide act on),
locale -> languages / default_language. Each value keeps the Zendesk key it came from; a value that
is not a literal, or a setting with no equivalent, is a TODO that shows the value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from migrate.generate.plan import Plan
from migrate.model import WidgetCall
from migrate.widgetapi import lookup

_HEX = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
_LOCALE_CALLS = {("messenger:set", "locale"), ("webWidget", "setLocale"), ("zE", "setLocale"),
                 ("$zopim", "livechat.setLanguage")}
_LAUNCHER_CALLS = {("messenger", "show"), ("messenger", "hide"), ("webWidget", "show"), ("webWidget", "hide"),
                   ("zE", "show"), ("zE", "hide"), ("$zopim", "livechat.button.show"),
                   ("$zopim", "livechat.button.hide")}
LAUNCHER_TEXT = "MessengerLauncherButtonText"


@dataclass(frozen=True)
class Setting:
    """One Zendesk choice and what it becomes. `field` is the configuration attribute path
    (`messenger.styles.primary_color`, `languages`, `custom_i18n_labels.<lang>.MessengerLauncherButtonText`);
    `value` is what Genesys takes, None when it stays a TODO (`todo` says why)."""

    field: str | None
    value: str | int | None
    key: str  # the Zendesk key or call, e.g. zESettings webWidget.color.theme
    raw: str  # the value as the page wrote it
    where: str  # path:line
    todo: str | None = None
    note: str | None = None

    @property
    def file(self) -> str:
        """The file it came from, without the line: the line moves once the page is migrated."""
        return self.where.rsplit(":", 1)[0]

    @property
    def source(self) -> str:
        return f"{self.key}{' = ' + self.raw if self.raw else ''} ({self.where})"


def literal(text: str) -> str | int | float | bool | None:
    """A JavaScript literal's value (strings, numbers, booleans), else None."""
    t = text.strip()
    if len(t) >= 2 and t[0] == t[-1] and t[0] in "'\"`" and "${" not in t and t[0] not in t[1:-1].replace(
            "\\" + t[0], ""):
        return t[1:-1].replace("\\" + t[0], t[0])
    if re.fullmatch(r"-?\d+", t):
        return int(t)
    if re.fullmatch(r"-?\d*\.\d+", t):
        return float(t)
    if t in ("true", "false"):
        return t == "true"
    return None


def language(value: str) -> str:
    """A Zendesk locale as a Messenger language code: lower case, `en` -> `en-us` (the code Messenger
    uses for English); which codes Messenger supports is the configuration's own list."""
    v = value.strip().replace("_", "-").lower()
    return "en-us" if v == "en" else v


def _pixels(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(value)
    m = re.fullmatch(r"\s*(\d+)\s*(px)?\s*", str(value))
    return int(m.group(1)) if m else None


_KEPT_HEAD = "TODO(migrate:ZG107)"
_KEPT_CODE = re.compile(r"^(\s*)// ?((?:(?:window|self|globalThis)\.)?zESettings\b|(?:var|let|const)\s+zESettings\b|"
                        r"(?:window\.)?zE\s*\()")


def kept_calls(root: str | Path, paths: list[str]) -> list[tuple[str, WidgetCall]]:
    """The zESettings and locale calls an earlier run commented out (page.py keeps them under a
    TODO(migrate:ZG107) with their values), read again so that a second run carries the same settings."""
    from migrate.extract.base import Source
    from migrate.extract.widgets import extract

    out = []
    for path in paths:
        try:
            text = (Path(root) / path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if _KEPT_HEAD not in text:
            continue
        lines = text.split("\n")
        i = 0
        while i < len(lines):
            m = _KEPT_CODE.match(lines[i]) if any(_KEPT_HEAD in x for x in lines[max(0, i - 40):i]) else None
            if m is None:
                i += 1
                continue
            start, code = i, []
            while i < len(lines) and re.match(r"^\s*//", lines[i]):
                code.append(re.sub(r"^\s*// ?", "", lines[i]))
                i += 1
            for c in extract(Source.of(path, "javascript", "\n".join(code))).calls:
                if c.api == "zESettings" or (c.api, c.command) in _LOCALE_CALLS:
                    out.append((path, replace(c, line=c.line + start)))
    return out


def carried(plan: Plan) -> list[Setting]:
    """Every widget setting of the plan, carried or a TODO, in page order; settings an earlier run
    commented out and Messenger Launcher calls it wrote count too (a second run says the same)."""
    out: list[Setting] = []
    launcher: list[Setting] = []
    inv = plan.inventory
    calls = [(p.path, p.call) for p in plan.calls]
    calls += kept_calls(inv.root, sorted({f.path for f in inv.files}))
    calls += [(w.path, c) for w in inv.widgets for c in w.calls
              if c.api == "Genesys" and c.command in ("Launcher.show", "Launcher.hide")]
    for path, c in sorted(calls, key=lambda pc: (pc[0], pc[1].line, pc[1].column)):
        where = f"{path}:{c.line}"
        if c.api == "Genesys":
            launcher.append(Setting("messenger.launcher_button.visibility", "OnDemand", f"Genesys command {c.command}",
                                    "", where, note="Launcher.show / Launcher.hide act only on a launcher hidden "
                                    "until business logic shows it"))
            continue
        raw = c.args[-1] if c.args else ""
        if c.api == "zESettings" and c.command:
            out.append(_zesetting(c.command, raw, where))
        elif (c.api, c.command) in _LOCALE_CALLS:
            key = f"{c.api} {c.command}"
            v = literal(raw)
            if isinstance(v, str) and re.fullmatch(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*", v):
                out.append(Setting("default_language", language(v), key, raw, where))
            else:
                out.append(Setting(None, None, key, raw, where, "the locale is not a literal: set languages / "
                                   "default_language in the Messenger configuration by hand"))
        elif (c.api, c.command) in _LAUNCHER_CALLS:
            launcher.append(Setting("messenger.launcher_button.visibility", "OnDemand", f"{c.api} {c.command}",
                                    "", where, note="Launcher.show / Launcher.hide act only on a launcher hidden "
                                    "until business logic shows it"))
    return out + launcher[:1]  # one setting, named after the first call that needs it


def _zesetting(command: str, raw: str, where: str) -> Setting:
    key = f"zESettings {command}"
    entry = lookup("zESettings", command)
    value = literal(raw)
    if command.startswith("webWidget.authenticate"):
        return Setting(None, None, key, "(sign-in callback)", where, "replaced by the AuthProvider plugin")
    if command == "webWidget.color.theme":
        if isinstance(value, str) and _HEX.fullmatch(value.strip()):
            return Setting("messenger.styles.primary_color", value.strip().upper(), key, raw, where)
        return Setting(None, None, key, raw, where, "styles.primary_color takes a hexadecimal colour like #78A300")
    if command == "webWidget.position.horizontal":
        if isinstance(value, str) and value.lower() in ("left", "right"):
            return Setting("position.alignment", value.capitalize(), key, raw, where)
        return Setting(None, None, key, raw, where, "position.alignment takes Left, Right or Auto")
    if command in ("webWidget.offset.horizontal", "webWidget.offset.vertical"):
        px = _pixels(value)
        field = "position.side_space" if command.endswith("horizontal") else "position.bottom_space"
        if px is not None:
            return Setting(field, px, key, raw, where)
        return Setting(None, None, key, raw, where, f"{field} takes a number of pixels")
    m = re.fullmatch(r"webWidget\.launcher\.(?:chatLabel|label)(?:\.(.+))?", command)
    if m:
        lang = m.group(1)
        if isinstance(value, str) and lang is not None:
            target = "*" if lang == "*" else language(lang)
            return Setting(f"custom_i18n_labels.{target}.{LAUNCHER_TEXT}", value, key, raw, where)
        if isinstance(value, str):
            return Setting(f"custom_i18n_labels.*.{LAUNCHER_TEXT}", value, key, raw, where)
        return Setting(None, None, key, raw, where, f"the launcher text is custom_i18n_labels {LAUNCHER_TEXT}; "
                       "this value is not a literal")
    if command == "webWidget.launcher.mobile.labelVisible":
        if isinstance(value, bool):
            return Setting("messenger.launcher_button.display_type", "IconAndText" if value else "Icon", key, raw, where)
    if entry is not None and entry.config:
        return Setting(None, None, key, raw, where, entry.todo or f"set {entry.config} by hand")
    return Setting(None, None, key, raw, where, (entry.todo if entry and entry.todo else "no Messenger equivalent"))
