"""Bad settings and odd files give a one-line reason, never an internal error."""

from __future__ import annotations

from typer.testing import CliRunner

from migrate.cli import app

FLAGS = ["--region", "eu-west-1", "--deployment-id", "5e0a7c43-8f8e-4d11-9a54-1b2c3d4e5f60"]


def _generate(site, *extra, env=None):
    return CliRunner().invoke(app, ["generate", str(site), *FLAGS, *extra], env=env or {})


def test_an_issuer_that_is_not_a_url_is_a_usage_error(tmp_path):
    for issuer, reason in (("https://[::1/oidc", "Invalid IPv6 URL"), ("https://a.example.com:99999/oidc", "Port")):
        r = _generate(tmp_path, "--issuer", issuer)
        assert r.exit_code == 2 and "is not a URL" in r.stderr and reason in r.stderr
        assert "internal error" not in r.stderr


def test_a_deeply_nested_settings_file_is_a_usage_error(tmp_path):
    (tmp_path / "migrate.yaml").write_text("a: " + "[" * 5000 + "]" * 5000 + "\n")
    r = _generate(tmp_path, "--issuer", "https://a.example.com/oidc")
    assert r.exit_code == 2 and "nested too deeply" in r.stderr and "internal error" not in r.stderr


def test_a_python_file_that_is_not_utf8_is_not_rewritten(tmp_path):
    (tmp_path / "app.py").write_bytes(
        b"import jwt\nfrom flask import Flask, g\napp = Flask(__name__)\n# caf\xe9\n@app.get('/zendesk/jwt')\n"
        b"def z():\n    return jwt.encode({'external_id': str(g.user.id), 'scope': 'user'}, 'k', algorithm='HS256',"
        b" headers={'kid': 'app_1'})\n")
    before = (tmp_path / "app.py").read_bytes()
    r = _generate(tmp_path, "--issuer", "https://a.example.com/oidc", "--format", "json",
                  env={"MIGRATE_SECRETS_DIR": str(tmp_path.parent / "secrets")})
    assert r.exit_code == 0, r.stderr
    assert "internal error" not in r.stderr and "not UTF-8 text" in r.stdout
    assert (tmp_path / "app.py").read_bytes() == before
