"""Sources written in unusual but legal ways are migrated, or left with a reason, never an internal
error: a Rails routes.rb on one line."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from migrate.extract.treesitter import Doc
from migrate.generate import config as cfg
from migrate.generate.run import generate

RAILS = Path(__file__).resolve().parent / "fixtures" / "sites" / "rails"
DEPLOYMENT = "5e0a7c43-8f8e-4d11-9a54-1b2c3d4e5f60"
ISSUER = "https://shop.example.com/oidc"


def rails_site(tmp_path: Path, routes: str) -> Path:
    root = tmp_path / "shop"
    shutil.copytree(RAILS, root)
    (root / "config" / "routes.rb").write_text(routes)
    return root


def routes_after(root: Path, cutover: bool = False) -> str | None:
    result = generate(root, cfg.load(root, region="eu-west-1", deployment_id=DEPLOYMENT, issuer=ISSUER),
                      cutover=cutover)
    return {c.path: c.after for c in result.changes.changes}.get("config/routes.rb")


def ruby_ok(text: str, tmp_path: Path) -> None:
    doc = Doc.parse("ruby", text.encode())
    assert doc.first_error() is None, text
    ruby = shutil.which("ruby")
    if ruby:  # the real parser too, where Ruby is installed
        path = tmp_path / "routes_check.rb"
        path.write_text(text)
        r = subprocess.run([ruby, "-c", str(path)], capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stderr


ONE_LINE = "Rails.application.routes.draw do; get 'zendesk/jwt', to: 'zendesk#jwt'; end\n"


def test_a_one_line_routes_rb_gets_the_provider_inside_its_draw_block(tmp_path):
    root = rails_site(tmp_path, ONE_LINE)
    text = routes_after(root)
    assert text is not None
    ruby_ok(text, tmp_path)
    lines = text.splitlines()
    assert lines[0] == "Rails.application.routes.draw do" and lines[-1] == "end"
    assert "  get 'zendesk/jwt', to: 'zendesk#jwt'" in lines  # kept beside until cut-over
    assert "  scope '/oidc', controller: :genesys_oidc, format: false do" in lines


def test_a_one_line_routes_rb_at_cutover_loses_only_the_zendesk_route(tmp_path):
    root = rails_site(tmp_path, ONE_LINE)
    text = routes_after(root, cutover=True)
    assert text is not None
    ruby_ok(text, tmp_path)
    assert "zendesk#jwt" not in text.replace("'zendesk/jwt'.", "")
    assert text.startswith("Rails.application.routes.draw do\n") and text.rstrip().endswith("end")
    assert "  scope '/oidc', controller: :genesys_oidc, format: false do" in text


def test_a_braces_routes_block_is_left_with_a_reason(tmp_path):
    root = rails_site(tmp_path, "Rails.application.routes.draw { get 'zendesk/jwt', to: 'zendesk#jwt' }\n")
    r = subprocess.run([sys.executable, "-m", "migrate", "generate", str(root), "--region", "eu-west-1",
                        "--deployment-id", DEPLOYMENT, "--issuer", ISSUER],
                       capture_output=True, text=True, timeout=120,
                       env={"PATH": "/usr/bin:/bin", "MIGRATE_SECRETS_DIR": str(tmp_path / "secrets"),
                            "HOME": str(tmp_path)})
    assert r.returncode in (0, 1), r.stderr
    assert "internal error" not in r.stderr
    assert "no `end` line of its own" in r.stderr and "by hand" in r.stderr


@pytest.mark.parametrize("routes", [
    "Rails.application.routes.draw do\n  get 'a', to: 'a#b'; get 'zendesk/jwt', to: 'zendesk#jwt'\nend\n",
    "Rails.application.routes.draw do\n  get 'zendesk/jwt', to: 'zendesk#jwt' ; root 'pages#home' ; end\n",
])
def test_statements_sharing_a_line_in_routes_rb(tmp_path, routes):
    root = rails_site(tmp_path, routes)
    for cutover in (False, True):
        text = routes_after(root, cutover=cutover)
        assert text is not None
        ruby_ok(text, tmp_path)
        assert "scope '/oidc'" in text


@pytest.mark.parametrize("command", ["scan", "generate"])
def test_a_fifo_among_the_sources_is_not_waited_on(tmp_path, command):
    import os

    root = rails_site(tmp_path, (RAILS / "config" / "routes.rb").read_text())
    os.mkfifo(root / "app" / "views" / "signout.js")  # nobody ever writes to it
    args = [sys.executable, "-m", "migrate", command, str(root)]
    if command == "generate":
        args += ["--region", "eu-west-1", "--deployment-id", DEPLOYMENT, "--issuer", ISSUER]
    r = subprocess.run(args, capture_output=True, text=True, timeout=90,
                       env={"PATH": "/usr/bin:/bin", "MIGRATE_SECRETS_DIR": str(tmp_path / "secrets"),
                            "HOME": str(tmp_path)})
    assert r.returncode in (0, 1), r.stderr
    assert "internal error" not in r.stderr


SITES = Path(__file__).resolve().parent / "fixtures" / "sites"
BROKEN_MANIFESTS = {
    "not JSON": "{\n  \"name\": \"shop\",\n  <<<<<<< HEAD\n}\n",
    "an array": "[]\n",
    "nested too deep": "{\"x\": " + "[" * 100_000 + "]" * 100_000 + "}\n",
    "dependencies a list": "{\"require\": [\"php\"], \"dependencies\": [\"express\"]}\n",
}


@pytest.mark.parametrize("broken", sorted(BROKEN_MANIFESTS))
@pytest.mark.parametrize("site, manifest", [("laravel", "composer.json"), ("express-ts", "package.json")])
def test_a_manifest_that_is_not_json_is_left_as_it_is(tmp_path, site, manifest, broken):
    root = tmp_path / site
    shutil.copytree(SITES / site, root)
    (root / manifest).write_text(BROKEN_MANIFESTS[broken])
    result = generate(root, cfg.load(root, region="eu-west-1", deployment_id=DEPLOYMENT, issuer=ISSUER))
    changed = {c.path: c.after for c in result.changes.changes}
    assert manifest not in changed  # left for the developer, not rewritten from a guess
    assert any(p.startswith(("app/", "src/", "routes/")) or "oidc" in p for p in changed), sorted(changed)


def test_a_pom_xml_with_a_byte_that_is_not_utf8_is_migrated(tmp_path):
    root = tmp_path / "spring"
    shutil.copytree(SITES / "spring", root)
    pom = root / "pom.xml"
    data = pom.read_bytes()
    at = data.index(b"<modelVersion>")
    pom.write_bytes(data[:at] + b"<!-- caf\xe9 \x91build\x92 -->\n  " + data[at:])  # cp1252 quotes, Latin-1
    result = generate(root, cfg.load(root, region="eu-west-1", deployment_id=DEPLOYMENT, issuer=ISSUER))
    changed = {c.path: c.after for c in result.changes.changes}
    assert changed, "nothing migrated"
    if "pom.xml" in changed:  # the undecodable bytes go back as they were
        assert changed["pom.xml"].encode("utf-8", "surrogateescape").count(b"caf\xe9 \x91build\x92") == 1


def test_a_django_view_file_that_is_not_utf8_is_left_with_its_reason(tmp_path):
    root = tmp_path / "django"
    shutil.copytree(SITES / "django", root)
    views = root / "shop" / "views.py"
    views.write_bytes(b"# caf\xe9 (Latin-1)\n" + views.read_bytes())
    result = generate(root, cfg.load(root, region="eu-west-1", deployment_id=DEPLOYMENT, issuer=ISSUER))
    said = " ".join([*result.notes, *(str(o) for o in result.outcomes)])
    assert "shop/views.py: not UTF-8 text, so it is not rewritten" in said, said[:2000]
    assert "shop/views.py" not in {c.path for c in result.changes.changes}


@pytest.mark.parametrize("cutover", [False, True])
def test_a_dangling_link_named_like_a_module_is_not_read(tmp_path, cutover):
    root = tmp_path / "flask"
    shutil.copytree(SITES / "flask", root)
    (root / "gone.py").symlink_to(root / "missing.py")
    result = generate(root, cfg.load(root, region="eu-west-1", deployment_id=DEPLOYMENT, issuer=ISSUER),
                      cutover=cutover)
    assert "gone.py" not in {c.path for c in result.changes.changes}


def test_a_fifo_named_like_a_java_class_is_not_waited_on(tmp_path):
    import os

    root = tmp_path / "spring"
    shutil.copytree(SITES / "spring", root)
    java = next(p for p in sorted(root.rglob("*.java")))
    os.mkfifo(java.parent / "Pipe.java")
    r = subprocess.run([sys.executable, "-m", "migrate", "generate", str(root), "--region", "eu-west-1",
                        "--deployment-id", DEPLOYMENT, "--issuer", ISSUER], capture_output=True, text=True,
                       timeout=90, env={"PATH": "/usr/bin:/bin", "MIGRATE_SECRETS_DIR": str(tmp_path / "secrets"),
                                        "HOME": str(tmp_path)})
    assert r.returncode in (0, 1), r.stderr
    assert "internal error" not in r.stderr and "Pipe.java" not in r.stdout
