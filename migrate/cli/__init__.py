"""The `migrate` command line: a thin layer over the stage APIs."""

from __future__ import annotations

import os
import sys

from migrate.cli import apply_cmd, generate_cmd, keys_cmd, rules_cmd, scan_cmd, token_cmd, verify_cmd  # noqa: F401  (registers the commands)
from migrate.cli.app import USAGE, app, err, guard_output, shorten

__all__ = ["app", "main"]


def main() -> None:
    guard_output()
    try:
        app()
    except Exception as exc:  # a bug must still end in one line, not a traceback
        if os.environ.get("MIGRATE_DEBUG"):
            raise
        err.print(shorten(f"error: internal error ({type(exc).__name__}: {exc}); run again with MIGRATE_DEBUG=1 "
                          "and report the traceback"), markup=False)
        sys.exit(USAGE)
