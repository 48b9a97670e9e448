"""`migrate generate --terraform DIR`: the Genesys side as CX-as-Code (mypurecloud/genesyscloud) HCL.

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
from migrate.generate.render import render

FILES = ("main.tf", "variables.tf", "README.md")


def hcl_string(value: str) -> str:
    """A quoted HCL string: JSON escapes, plus `${` and `%{` kept literal."""
    return json.dumps(value, ensure_ascii=False).replace("${", "$${").replace("%{", "%%{")


def render_files(config: Config, side: GenesysSide) -> dict[str, str]:
    """File name -> content; nothing secret in it (the client secret is a sensitive variable)."""
    q = hcl_string
    ctx = {
        "issuer": config.issuer,
        "aws_region": q(config.region.aws), "region_name": config.region.name,
        "client_id": q(side.client_id), "client_id_raw": side.client_id,
        "discovery_uri": q(side.discovery_uri), "discovery_uri_raw": side.discovery_uri,
        "deployment_id": q(side.deployment_id), "deployment_id_raw": side.deployment_id,
        "allowed_domains": "[" + ", ".join(q(d) for d in side.allowed_domains) + "]",
        "allowed_domains_raw": ", ".join(f"`{d}`" for d in side.allowed_domains),
        "secret_file": str(side.secret_file),
        "secret_description": q("The client secret Genesys presents to the site's token endpoint "
                                f"(the content of {side.secret_file})."),
        "deployment_description": q(f"The current name of Messenger deployment {side.deployment_id} "
                                    "(Admin > Message > Messenger Deployments)."),
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
