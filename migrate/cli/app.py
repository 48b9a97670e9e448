"""The typer application and what every command shares (stderr console, exit codes, colour,
progress, the next step)."""

from __future__ import annotations

import os
import re
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from migrate import __version__

# Exit codes, as in ruff: 0 clean, 1 findings / missing rights, 2 usage or tool error.
OK, FINDINGS, USAGE = 0, 1, 2

app = typer.Typer(
    name="migrate",
    help="Move a website's chat from Zendesk to Genesys Cloud: scan, explain, generate, verify.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals can hold secrets
    add_completion=True,  # --install-completion / --show-completion (bash, zsh, fish, PowerShell)
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

# Reports go to stdout; everything said to the person running the command goes here.
err = Console(stderr=True, highlight=False, soft_wrap=True)


class ColorMode(str, Enum):
    auto = "auto"
    always = "always"
    never = "never"


_color = {"mode": ColorMode.auto}


def use_color(stream=None) -> bool:
    """Colour for what goes to ``stream`` (default stdout): --color always/never wins, then NO_COLOR
    (any value, no-color.org), then FORCE_COLOR, then whether that stream is a terminal."""
    mode = _color["mode"]
    if mode is ColorMode.always:
        return True
    if mode is ColorMode.never or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    stream = sys.stdout if stream is None else stream
    return _is_terminal(stream) and os.environ.get("TERM") != "dumb"


def _is_terminal(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def set_color(mode: ColorMode) -> None:
    """Apply a --color choice to this run (the root option and the commands that take it)."""
    _color["mode"] = mode
    colored = use_color(sys.stderr)
    err.no_color = not colored
    err._force_terminal = True if mode is ColorMode.always else None  # rich: None means "ask the stream"
    if mode is ColorMode.never:
        err._color_system = None


# ---------------------------------------------------------------------------------------------
# output that is safe whatever the input: valid text, no terminal control from file names or values

_SURROGATE = re.compile("[\ud800-\udfff]")
# Terminal control from data: OSC/DCS/SOS/PM/APC strings (to their terminator), CSI sequences other
# than colour (SGR) and erase-line, any other escape, C0 controls but tab/newline/CR, DEL, C1 controls.
_CONTROL = re.compile(
    r"\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)"
    r"|\x1b\[(?![0-9;]*[mK])[0-?]*[ -/]*[@-~]?"
    r"|\x1b(?!\[[0-9;]*[mK])[ -~]?"
    r"|[\x00-\x08\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f\x80-\x9f]")
_SGR = re.compile(r"\x1b\[[0-9;]*m")


def safe_text(text: str, terminal: bool = False, styled: bool = True) -> str:
    """``text`` as it may be written: lone surrogates (a file name's undecodable bytes, a JSON
    escape like \\ud800) become U+FFFD so the output is valid UTF-8; for a terminal, control
    sequences are removed as well, keeping erase-line, and colour only when ``styled``."""
    text = _SURROGATE.sub("\ufffd", text)
    if terminal:
        text = _CONTROL.sub("", text)
        if not styled:
            text = _SGR.sub("", text)
    return text


class SafeStream:
    """stdout/stderr as every command writes them: text through `safe_text`, and what the stream's
    encoding cannot carry replaced rather than raising. A terminal is asked once."""

    def __init__(self, stream):
        self._stream = stream
        self._terminal = _is_terminal(stream)

    def write(self, text: str) -> int:
        if not isinstance(text, str):  # as a text stream does (click tells text from binary this way)
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        out = safe_text(text, self._terminal, use_color(self._stream) if self._terminal else True)
        try:
            self._stream.write(out)
        except UnicodeEncodeError:
            enc = getattr(self._stream, "encoding", None) or "utf-8"
            self._stream.write(out.encode(enc, "replace").decode(enc))
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def isatty(self) -> bool:
        return self._terminal

    def __getattr__(self, name: str):
        if name == "buffer":  # bytes would bypass the checks: writers see a text-only stream
            raise AttributeError(name)
        return getattr(self._stream, name)


def write_text(path, text: str) -> None:
    """A report or review page written to a file: UTF-8, lone surrogates as U+FFFD (never an error)."""
    from pathlib import Path

    Path(path).write_text(safe_text(text), encoding="utf-8")


def guard_output() -> None:
    """Route this run's stdout and stderr through `SafeStream` (once per stream)."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and not isinstance(stream, SafeStream):
            setattr(sys, name, SafeStream(stream))


def shorten(text: str, limit: int = 120) -> str:
    """A message with every run of more than ``limit`` characters without a space cut to its start
    and end, and the whole kept under 2,000 characters (a 100 KB value is named, not repeated)."""
    def cut(m: re.Match) -> str:
        s = m.group(0)
        return f"{s[:limit - 40]}…[{len(s) - (limit - 20):,} more]…{s[-20:]}"

    text = re.sub(rf"\S{{{limit + 1},}}", cut, text)
    return text if len(text) <= 2000 else text[:1980] + f"…[{len(text) - 1980:,} more]"


def fail(message: str, hint: str | None = None, code: int = USAGE) -> typer.Exit:
    """Say what went wrong in one line (and the next step), and return the Exit to raise."""
    # The message may quote user input ("[z-a].js"): only the prefix is markup.
    message, hint = shorten(message), shorten(hint) if hint else None
    err.print(f"[bold red]error:[/] {escape(message)}" + (f" ({escape(hint)})" if hint else ""), markup=True)
    return typer.Exit(code)


def next_step(text: str) -> None:
    """The last line of a command: what to do now."""
    err.print(f"[bold]next:[/] {text}", markup=True, highlight=False)


@contextmanager
def progress(message: str, delay: float = 1.0) -> Iterator[None]:
    """A spinner on stderr for work that takes longer than ``delay`` seconds; nothing at all when
    stderr is not a terminal (logs and pipes get no control characters)."""
    stream = sys.stderr
    if not _is_terminal(stream) or os.environ.get("TERM") == "dumb":
        yield
        return
    stop = threading.Event()
    started = time.monotonic()
    unicode = (getattr(stream, "encoding", "") or "").lower().replace("-", "") in ("utf8", "utf16")
    frames = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏" if unicode else "|/-\\"

    def spin() -> None:
        if stop.wait(delay):
            return
        i = 0
        while True:
            stream.write(f"\r{frames[i % len(frames)]} {message} ({time.monotonic() - started:.0f} s)")
            stream.flush()
            i += 1
            if stop.wait(0.1):
                break
        stream.write("\r\x1b[2K")  # leave the line as it was
        stream.flush()

    worker = threading.Thread(target=spin, daemon=True)
    worker.start()
    try:
        yield
    finally:
        stop.set()
        worker.join()


def _version(value: bool) -> None:
    if value:
        typer.echo(f"migrate {__version__}")
        raise typer.Exit()


# `migrate --color never scan .` and `migrate scan . --color never` both work.
Color = Annotated[ColorMode | None, typer.Option(
    "--color", help="Colour: auto (when the output it goes to is a terminal and NO_COLOR is unset), always or "
    "never.", case_sensitive=False, show_default=False)]


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Show the version and exit."),
    color: Color = None,
) -> None:
    """Move a website's chat from Zendesk to Genesys Cloud."""
    guard_output()
    set_color(color or ColorMode.auto)
