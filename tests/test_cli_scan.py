"""`migrate scan` and `migrate rules` through the CLI, stdout and stderr apart."""

import json

from typer.testing import CliRunner

from migrate.cli import app

from conftest import FIXTURES, ROOT

runner = CliRunner()
SHOP = str(ROOT / "examples" / "shop")


def test_text_report_goes_to_stdout_and_exits_1_on_findings():
    r = runner.invoke(app, ["scan", SHOP])
    assert r.exit_code == 1, r.stderr
    assert "ZG201 exp-in-milliseconds" in r.stdout
    assert "server.js" in r.stdout
    assert r.stderr == ""


def test_exit_zero_keeps_the_report():
    r = runner.invoke(app, ["scan", SHOP, "--exit-zero"])
    assert r.exit_code == 0
    assert "ZG201" in r.stdout


def test_json_contract_keys_and_relative_paths():
    r = runner.invoke(app, ["scan", SHOP, "--format", "json"])
    assert r.exit_code == 1
    data = json.loads(r.stdout)
    assert data["version"] == 1
    assert set(data) >= {"root", "widgets", "signers", "findings", "errors", "stats"}
    assert set(data["stats"]) >= {"files", "parsed", "seconds"}
    (widget,) = data["widgets"] if len(data["widgets"]) == 1 else [
        w for w in data["widgets"] if w["path"] == "public/chat.js"]
    assert widget["kind"] == "messaging"
    assert {"api", "command", "line"} <= set(widget["calls"][0])
    (signer,) = data["signers"]
    assert signer["path"] == "server.js"
    assert signer["claims"]["external_id"] == "req.user.id"
    assert signer["claims"]["exp"] == "Date.now() + 3600"
    assert signer["secret"] == {"source": "env", "expression": "process.env.ZENDESK_MESSAGING_SECRET",
                                "line": signer["secret"]["line"]}
    assert signer["profile"] == "zendesk-messaging"
    for f in data["findings"]:
        assert not f["path"].startswith("/")
        assert {"rule", "name", "severity", "path", "line", "column", "message"} <= set(f)


def test_select_and_ignore_by_id_prefix_and_name():
    only = json.loads(runner.invoke(app, ["scan", SHOP, "-f", "json", "--select", "ZG2"]).stdout)
    assert only["findings"] and all(f["rule"].startswith("ZG2") for f in only["findings"])
    none = json.loads(runner.invoke(app, ["scan", SHOP, "-f", "json", "--select", "ZG201,ZG205",
                                          "--ignore", "exp-in-milliseconds"]).stdout)
    assert {f["rule"] for f in none["findings"]} == {"ZG205"}


def test_info_findings_alone_exit_0():
    r = runner.invoke(app, ["scan", SHOP, "--select", "ZG107"])
    assert "ZG107" in r.stdout
    assert r.exit_code == 0


def test_unknown_rule_is_a_usage_error_on_stderr():
    r = runner.invoke(app, ["scan", SHOP, "--select", "ZG999"])
    assert r.exit_code == 2
    assert r.stdout == ""
    assert "unknown rule 'ZG999'" in r.stderr
    assert "Traceback" not in r.stderr


def test_missing_path_is_a_usage_error():
    r = runner.invoke(app, ["scan", str(ROOT / "no-such-folder")])
    assert r.exit_code == 2
    assert r.stdout == ""


def test_output_file_and_message_on_stderr(tmp_path):
    out = tmp_path / "report.sarif"
    r = runner.invoke(app, ["scan", SHOP, "--format", "sarif", "--output", str(out)])
    assert r.exit_code == 1
    assert r.stdout == ""
    assert "wrote the sarif report" in r.stderr
    assert json.loads(out.read_text())["version"] == "2.1.0"


def test_unwritable_output_is_one_line(tmp_path):
    r = runner.invoke(app, ["scan", SHOP, "--output", str(tmp_path / "missing" / "r.txt")])
    assert r.exit_code == 2
    assert r.stderr.count("\n") == 1 and "cannot write" in r.stderr


def test_clean_tree_exits_0_with_nothing_found():
    r = runner.invoke(app, ["scan", str(FIXTURES / "clean"), "--format", "json"])
    assert r.exit_code == 0, r.stdout
    data = json.loads(r.stdout)
    assert data["findings"] == [] and data["widgets"] == [] and data["signers"] == []
    assert data["errors"] == []


def test_suppression_comment(tmp_path):
    (tmp_path / "a.js").write_text(
        "const jwt = require('jsonwebtoken');\n"
        "// Zendesk messaging token\n"
        "jwt.sign({ external_id: String(u), scope: 'user', exp: Date.now() + 60 }, "
        "process.env.S, { keyid: 'app_1' }); // migrate: ignore[ZG201]\n")
    data = json.loads(runner.invoke(app, ["scan", str(tmp_path), "-f", "json"]).stdout)
    assert "ZG201" not in {f["rule"] for f in data["findings"]}
    (tmp_path / "a.js").write_text((tmp_path / "a.js").read_text().replace(" // migrate: ignore[ZG201]", ""))
    data = json.loads(runner.invoke(app, ["scan", str(tmp_path), "-f", "json"]).stdout)
    assert "ZG201" in {f["rule"] for f in data["findings"]}


def test_rules_list_and_one_rule():
    r = runner.invoke(app, ["rules"])
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    assert lines[0].startswith("ZG101  classic-auth-on-messaging")
    assert any(line.startswith("ZG303") for line in lines)
    one = runner.invoke(app, ["rules", "ZG201"])
    assert one.exit_code == 0
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## References"):
        assert section in one.stdout
    by_name = runner.invoke(app, ["rules", "exp-in-milliseconds"])
    assert by_name.stdout == one.stdout
    bad = runner.invoke(app, ["rules", "ZG000"])
    assert bad.exit_code == 2 and bad.stdout == "" and "unknown rule" in bad.stderr


def test_version():
    r = runner.invoke(app, ["--version"])
    assert r.exit_code == 0 and r.stdout.startswith("migrate ")
