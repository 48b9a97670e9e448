"""scan over mutated sites: every fixture site with hostile lines inserted (deep nesting, long lines,
lone surrogates, control sequences, bytes that are not UTF-8), whole-file changes (CRLF, BOM,
truncation, Latin-1) and file-system tricks (odd names, links out of the project, fifos, loops, a
backtracking .gitignore), with literal signing secrets in each language's literal forms. Every run
keeps the promises of tests/test_fuzz_support.py, prints no secret, and changes no file anywhere."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from test_fuzz_support import CANARY, build_site, changed, check, fuzz_settings, migrate, sites, snapshot

FORMATS = ["full", "concise", "json", "sarif", "github", "gitlab", "junit"]


@fuzz_settings(quick=30, long=400)
@given(spec=sites(), fmt=st.sampled_from(FORMATS), jobs=st.sampled_from(["1", "2"]))
def test_scan_keeps_its_promises(tmp_path_factory, spec, fmt, jobs):
    tmp = tmp_path_factory.mktemp("scan")
    root, outside = tmp / "site", tmp / "outside"
    build_site(spec, root, outside)
    before, before_outside = snapshot(root), snapshot(outside)
    r = migrate("scan", str(root), "--output-format", fmt, "--jobs", jobs, "--file-timeout", "5",
                peak_file=tmp / "peak")
    check(r, secrets=(CANARY,))
    assert changed(before, snapshot(root)) == [], "scan changed the site"
    assert changed(before_outside, snapshot(outside)) == [], "scan changed a file outside the site"
