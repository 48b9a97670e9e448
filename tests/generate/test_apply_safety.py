"""--apply writes inside the project only, never through a symbolic link, and all or nothing."""

from __future__ import annotations

import os

import pytest

from migrate.generate.changes import ChangeSet, FileChange, SourceFile, StaleFile, UnsafeTarget, safe_target


def _change(root, rel, after):
    before = SourceFile.read(root, rel) if (root / rel).exists() else None
    return FileChange(rel, before, after)


@pytest.mark.parametrize("rel", ["../outside.js", "/etc/passwd", "a/../../x", "", "a//b", "./a"])
def test_a_path_that_leaves_the_project_is_refused(tmp_path, rel):
    with pytest.raises(UnsafeTarget):
        safe_target(tmp_path, rel)


def test_a_new_file_under_a_symlinked_folder_is_refused_and_nothing_is_written(tmp_path):
    site, elsewhere = tmp_path / "site", tmp_path / "elsewhere"
    (site / "app").mkdir(parents=True)
    elsewhere.mkdir()
    (site / "app" / "oidc").symlink_to(elsewhere, target_is_directory=True)
    (site / "server.js").write_text("old\n")
    changes = ChangeSet(site, (_change(site, "server.js", "new\n"),
                               FileChange("app/oidc/provider.js", None, "provider\n")))
    with pytest.raises(UnsafeTarget, match="app/oidc is a symbolic link"):
        changes.apply()
    assert (site / "server.js").read_text() == "old\n" and not list(elsewhere.iterdir())


def test_a_symlinked_file_is_not_replaced_by_a_regular_one(tmp_path):
    (tmp_path / "real.js").write_text("old\n")
    (tmp_path / "link.js").symlink_to(tmp_path / "real.js")
    changes = ChangeSet(tmp_path, (_change(tmp_path, "link.js", "new\n"),))
    with pytest.raises(UnsafeTarget, match="link.js is a symbolic link"):
        changes.apply()
    assert os.path.islink(tmp_path / "link.js") and (tmp_path / "real.js").read_text() == "old\n"


def test_a_write_failing_half_way_puts_back_what_was_written(tmp_path):
    (tmp_path / "a.js").write_text("old a\n")
    changes = ChangeSet(tmp_path, (_change(tmp_path, "a.js", "new a\n"), FileChange("b/c.js", None, "new c\n"),
                                   FileChange("d.js", None, "new d\n")))
    (tmp_path / "b").write_text("a file where a folder must go")  # appears after the diff was made
    with pytest.raises(StaleFile, match="b/c.js cannot be written .* 1 file\\(s\\) written before it were put back"):
        changes.apply()
    assert (tmp_path / "a.js").read_text() == "old a\n" and not (tmp_path / "d.js").exists()
