"""generate over mutated sites (see tests/test_fuzz_support.py `sites`), as a dry run and with
--apply: every run keeps the promises of test_fuzz_support, prints no secret (a patch quotes the
site's own lines it changes or keeps as context, and only those may hold one), changes nothing outside
the site, and --apply is all or nothing: a run that fails leaves the site exactly as it was."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from test_fuzz_support import CANARY, build_site, changed, check, fuzz_settings, migrate, sites, snapshot

DEPLOYMENT = "5e0a7c43-8f8e-4d11-9a54-1b2c3d4e5f60"
ROOT = os.geteuid() == 0
CHATTR = shutil.which("chattr")


def lock(path: Path) -> int:
    """Make ``path`` unwritable even for root (which ignores modes): immutable where chattr works.
    Returns its mode, for `unlock`."""
    mode = path.stat().st_mode & 0o7777
    if ROOT and CHATTR:
        subprocess.run([CHATTR, "+i", str(path)], capture_output=True, check=False)
    else:
        path.chmod(0o555 if path.is_dir() else 0o444)
    return mode


def unlock(path: Path, mode: int) -> None:
    if ROOT and CHATTR:
        subprocess.run([CHATTR, "-i", str(path)], capture_output=True, check=False)
    path.chmod(mode)


@fuzz_settings(quick=25, long=250)
@given(spec=sites(), apply=st.booleans(), cutover=st.sampled_from([False, False, True]),
       read_only=st.sampled_from([None, None, "dir", "file"]), victim=st.integers(0, 1000))
def test_generate_keeps_its_promises(tmp_path_factory, spec, apply, cutover, read_only, victim):
    tmp = tmp_path_factory.mktemp("gen")
    root, outside, secrets = tmp / "site", tmp / "outside", tmp / "secrets"
    build_site(spec, root, outside)
    before, before_outside = snapshot(root), snapshot(outside)
    locked = None
    if apply and read_only:  # one folder or file the run cannot write: nothing may stay half-written
        candidates = [p for p in sorted(root.rglob("*")) if not p.is_symlink()
                      and (p.is_dir() if read_only == "dir" else p.is_file())]
        if candidates:
            locked = candidates[victim % len(candidates)]
            mode = lock(locked)
    args = ["generate", str(root), "--region", "eu-west-1", "--deployment-id", DEPLOYMENT,
            "--issuer", "https://shop.example.com/oidc"]
    args += ["--apply"] if apply else []
    args += ["--cutover"] if cutover else []
    try:
        r = migrate(*args, env={"MIGRATE_SECRETS_DIR": str(secrets), "HOME": str(tmp)}, peak_file=tmp / "peak")
    finally:
        if locked is not None:
            unlock(locked, mode)
    check(r, secrets=(CANARY,))
    assert changed(before_outside, snapshot(outside)) == [], "generate changed a file outside the site"
    after = snapshot(root)
    if not apply or r.code != 0:
        assert changed(before, after) == [], f"exit {r.code} yet the site changed: {changed(before, after)[:5]}"
