"""What the commands say besides their report: the next step, colour (NO_COLOR, --color, decided from
the stream it goes to), a spinner on a terminal's stderr only, shell completion and -h. Through the
CLI, stdout and stderr apart; the terminal cases run the command under a pseudo-terminal."""

from __future__ import annotations

import os
import pty
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import fakegenesys as fg
import pytest
from conftest import ROOT
from fakegenesys import sdk_home  # noqa: F401  (fixture)
from typer.testing import CliRunner

from migrate.cli import app

runner = CliRunner()
ISSUER = "https://shop.example.com/oidc"
FLAGS = ["--region", "eu-west-1", "--deployment-id", "5e0a7c43-8f8e-4d11-9a54-1b2c3d4e5f60", "--issuer", ISSUER]
ANSI = re.compile(r"\x1b\[[0-9;]*m")
CLEAN_ENV = {"NO_COLOR": None, "FORCE_COLOR": None}


@pytest.fixture
def shop(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("MIGRATE_SECRETS_DIR", str(tmp_path / "secrets"))
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    site = tmp_path / "shop"
    shutil.copytree(ROOT / "examples" / "shop", site)
    return site


def last_line(text: str) -> str:
    return text.rstrip("\n").splitlines()[-1]


# --- -h and completion ------------------------------------------------------------------------------

@pytest.mark.parametrize("command", [[], ["generate"], ["apply"], ["keys"], ["scan"], ["verify-deployment"]])
def test_h_is_help(command):
    short = runner.invoke(app, [*command, "-h"], terminal_width=120)
    long = runner.invoke(app, [*command, "--help"], terminal_width=120)
    assert short.exit_code == 0 and long.exit_code == 0
    assert short.stdout == long.stdout and short.stdout.startswith("Usage: ")
    assert "-h, --help" in short.stdout


def test_shell_completion():
    shown = runner.invoke(app, ["--show-completion", "bash"])
    assert shown.exit_code == 0 and "complete " in shown.stdout and "_MIGRATE_COMPLETE" in shown.stdout
    script = Path(sys.executable).with_name("migrate")
    if not script.is_file():
        pytest.skip("the migrate entry point is not installed beside this python")
    env = {**os.environ, "_MIGRATE_COMPLETE": "complete_bash", "COMP_WORDS": "migrate ap", "COMP_CWORD": "1"}
    words = subprocess.run([str(script)], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert words.stdout.split() == ["apply"]
    env.update(COMP_WORDS="migrate generate . --patch", COMP_CWORD="3")
    flags = subprocess.run([str(script)], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert "--patch-file" in flags.stdout.split()


# --- next steps -----------------------------------------------------------------------------------------

def test_generate_says_what_to_do_next(shop, tmp_path):
    dry = runner.invoke(app, ["generate", str(shop), *FLAGS])
    assert dry.exit_code == 0 and dry.stdout.startswith("# migrate patch 1")
    assert last_line(dry.stderr).startswith("next: save the patch with `--patch-file genesys.patch`, review it, "
                                            "then `migrate apply genesys.patch` writes exactly it")
    patch = tmp_path / "g.patch"
    saved = runner.invoke(app, ["generate", str(shop), *FLAGS, "--patch-file", str(patch)])
    assert last_line(saved.stderr) == (f"next: review {patch}, then `migrate apply {patch}` writes exactly it and "
                                       "makes the provider's keys when there are none yet")
    applied = runner.invoke(app, ["apply", str(patch), str(shop)])
    assert applied.exit_code == 0 and last_line(applied.stderr).startswith("next: review `git diff`")
    again = runner.invoke(app, ["generate", str(shop), *FLAGS])
    assert again.exit_code == 0 and again.stdout == ""
    assert last_line(again.stderr).startswith("next: once Messenger sign-in works in production: `migrate generate")
    assert "--cutover" in last_line(again.stderr)


def test_rotate_key_and_keys_end_with_the_next_step(shop):
    keys = runner.invoke(app, ["keys", str(shop), "--issuer", ISSUER])
    assert keys.exit_code == 0 and keys.stdout == ""
    assert last_line(keys.stderr).startswith("next: deploy both with your secret store")
    rotate = runner.invoke(app, ["rotate-key", str(shop), "--issuer", ISSUER])
    assert rotate.exit_code == 0
    assert last_line(rotate.stderr).endswith("then run `migrate rotate-key --promote`")


def test_the_dry_run_does_not_name_a_secret_file_as_if_it_existed(shop, tmp_path):
    secret = tmp_path / "secrets" / "client-secret"
    dry = runner.invoke(app, ["generate", str(shop), *FLAGS])
    assert f"Client Secret  the content of {secret}, made by `migrate keys` (not there yet; never shown)" in dry.stderr
    assert f"the content of {secret} (never shown here)" not in dry.stderr
    assert "Not there yet: " in dry.stderr and "`migrate apply` (or `migrate keys`) makes them" in dry.stderr
    runner.invoke(app, ["keys", str(shop), "--issuer", ISSUER])
    later = runner.invoke(app, ["generate", str(shop), *FLAGS])
    assert f"the content of {secret} (never shown here)" in later.stderr
    assert "not there yet" not in later.stderr.lower()


# --- colour -----------------------------------------------------------------------------------------------

def test_color_always_never_and_no_color(shop):
    plain = runner.invoke(app, ["generate", str(shop), *FLAGS], env=CLEAN_ENV)
    assert not ANSI.search(plain.stdout)  # not a terminal: no colour
    always = runner.invoke(app, ["generate", str(shop), *FLAGS, "--color", "always"], env=CLEAN_ENV)
    assert re.search(r"^\x1b\[32m\+", always.stdout, re.MULTILINE) and re.search(r"^\x1b\[31m-", always.stdout, re.MULTILINE)
    assert ANSI.sub("", always.stdout) == plain.stdout  # the same patch, coloured
    root = runner.invoke(app, ["--color", "always", "generate", str(shop), *FLAGS], env=CLEAN_ENV)
    assert root.stdout == always.stdout
    forced = runner.invoke(app, ["generate", str(shop), *FLAGS], env={"FORCE_COLOR": "1", "NO_COLOR": None})
    assert ANSI.search(forced.stdout)
    no_color = runner.invoke(app, ["generate", str(shop), *FLAGS], env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert not ANSI.search(no_color.stdout)
    never = runner.invoke(app, ["generate", str(shop), *FLAGS, "--color", "never"], env={"FORCE_COLOR": "1"})
    assert not ANSI.search(never.stdout + never.stderr)
    scan = runner.invoke(app, ["scan", str(shop), "--color", "always"], env=CLEAN_ENV)
    assert scan.exit_code == 1 and ANSI.search(scan.stdout)
    bad = runner.invoke(app, ["scan", str(shop), "--color", "sometimes"])
    assert bad.exit_code == 2 and bad.stdout == ""


def run_on_terminal(argv: list[str], terminal: str, env: dict[str, str], timeout: float = 60) -> tuple[str, str]:
    """Run argv with one of stdout / stderr on a pseudo-terminal and the other on a pipe; returns
    (stdout, stderr) as text."""
    master, slave = pty.openpty()
    streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, terminal: slave}
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, env=env, **streams)
    os.close(slave)
    seen = bytearray()

    def read() -> None:
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the other end closed
                return
            if not chunk:
                return
            seen.extend(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        out, errs = proc.communicate(timeout=timeout)
    finally:
        proc.kill()
        reader.join(5)
        os.close(master)
    piped = (out if terminal == "stderr" else errs) or b""
    on_tty = bytes(seen).decode("utf-8", "replace").replace("\r\n", "\n")
    piped_text = piped.decode("utf-8", "replace")
    return (on_tty, piped_text) if terminal == "stdout" else (piped_text, on_tty)


def terminal_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "MIGRATE_DEBUG")}
    env.update(TERM="xterm-256color", COLUMNS="120", **extra)
    return env


def test_colour_is_decided_from_the_stream_the_report_goes_to(shop):
    argv = [sys.executable, "-m", "migrate", "scan", str(shop)]
    out, err = run_on_terminal(argv, "stdout", terminal_env())
    assert "ZG201" in out and ANSI.search(out), "a report to a terminal is coloured"
    assert not ANSI.search(err)
    out, err = run_on_terminal(argv, "stderr", terminal_env())
    assert "ZG201" in out and not ANSI.search(out), "a report to a pipe is not, even when stderr is a terminal"
    assert "next: `migrate generate" in ANSI.sub("", err)  # at a terminal, scan says what comes next
    out, _ = run_on_terminal(argv, "stdout", terminal_env(NO_COLOR="1"))
    assert "ZG201" in out and not ANSI.search(out)


# --- progress -------------------------------------------------------------------------------------------

def test_a_spinner_on_a_terminal_only(sdk_home, tmp_path):  # noqa: F811
    org = fg.Org(hang="/api/v2/integrations/")
    home = tmp_path / "home"
    home.mkdir()
    argv = [sys.executable, "-m", "migrate", "verify-deployment", "--deployment-id", fg.DEPLOYMENT_ID,
            "--site-origin", "https://shop.example.com"]
    with fg.FakeGenesys(org, hang_seconds=10) as fake:
        env = terminal_env(HOME=str(home), GENESYSCLOUD_OAUTHCLIENT_ID=fg.CLIENT_ID,
                           GENESYSCLOUD_OAUTHCLIENT_SECRET=fg.SECRET, GENESYSCLOUD_API_HOST=fake.url,
                           MIGRATE_HTTP_TIMEOUT="2", NO_PROXY="127.0.0.1", no_proxy="127.0.0.1")
        env.pop("GENESYSCLOUD_REGION", None)
        out, err = run_on_terminal(argv + ["--issuer", fake.issuer], "stderr", env)
        assert f"checking deployment {fg.DEPLOYMENT_ID} at {fake.url}" in err, err
        assert "\r" in err and "\x1b[2K" in err  # redrawn in place, and the line cleared afterwards
        assert "did not answer within 2 s" in err
        assert fg.SECRET not in out + err
        _, err2 = run_on_terminal(argv + ["--issuer", fake.issuer], "stdout", env)
    assert "did not answer within 2 s" in err2
    assert "checking deployment" not in err2 and "\r" not in err2, "no spinner when stderr is not a terminal"
