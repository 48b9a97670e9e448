"""What a Messenger deployment uses today (its configuration, name, allowed domains, languages), read
so that the generated Terraform imports and keeps it instead of replacing it."""

from __future__ import annotations

from migrate.genesys.client import Genesys, GenesysError
from migrate.genesys.model import Existing


def read_existing(session: Genesys, deployment_id: str) -> Existing:
    """The deployment and the configuration version it serves. GenesysError when the deployment
    cannot be read; a configuration that cannot be read leaves its name and languages unknown."""
    dep = session.deployment(deployment_id)
    name, languages, default = None, (), None
    if dep.configuration_id:
        try:
            versions = session.config_versions(dep.configuration_id)
            wanted = dep.configuration_version
            if not wanted or wanted.lower() == "draft":
                published = [v for v in versions if not v.is_draft and v.date_published]
                wanted = max(published, key=lambda v: int(v.version or 0) if (v.version or "").isdigit() else -1
                             ).version if published else None
            if wanted:
                version = session.config_version(dep.configuration_id, wanted)
                name, languages, default = version.name, version.languages, version.default_language
        except GenesysError as exc:
            if exc.kind not in ("forbidden", "not-found"):
                raise
    return Existing(deployment_id=dep.id, deployment_name=dep.name, allow_all_domains=dep.allow_all_domains,
                    allowed_domains=dep.allowed_domains, configuration_id=dep.configuration_id,
                    configuration_name=name, languages=tuple(languages), default_language=default)
