"""Builds the generated Go and Spring Boot providers into real sites, and runs them, for the tests.

The Go provider goes into a copy of tests/generated/go/hostapp (a Go module whose site mounts it
with net/http, chi or gin), the Spring Boot one into a copy of tests/generated/java/hostapp (a
Maven project with Spring Security); `go build` and `mvn package` make the programs that the
tests start on 127.0.0.1.

Their downloads go to caches under .venv that the Makefile owns: .venv/go-cache (GOMODCACHE,
GOCACHE, GOPATH) and .venv/m2 (Maven's local repository). `make test` fills them first with

    python tests/generated/toolchains.py warm go|java

so the builds inside the tests need no network (Maven runs with -o). A missing toolchain or a
registry out of reach is `Unavailable`: the warm-up prints its one-line reason and the tests skip
with it. A build that fails otherwise is `BuildFailed`: a bug in the template, and the tests fail.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
GO_HOST = HERE / "go" / "hostapp"
JAVA_HOST = HERE / "java" / "hostapp"
GO_CACHE = ROOT / ".venv" / "go-cache"
MAVEN_REPO = ROOT / ".venv" / "m2"
ISSUER_PATH = "/oidc"

DOWNLOAD_TIMEOUT = 600  # seconds: a first `go mod download` or online `mvn package`
BUILD_TIMEOUT = 600  # seconds: compiling with warm caches takes well under a minute on 2 cores


class Unavailable(Exception):
    """The toolchain is missing or its registry is out of reach: the tests skip with this reason."""


class BuildFailed(Exception):
    """The build failed for another reason: the rendered code does not compile."""


def _render(template: str) -> str:
    sys.path.insert(0, str(ROOT))
    from migrate.generate.render import render

    return render(template, issuer_path=ISSUER_PATH)


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "(no output)"


# --- Go ---------------------------------------------------------------------------------------------


def go_binary() -> str | None:
    found = shutil.which("go")
    if found is None and Path("/usr/local/go/bin/go").exists():
        found = "/usr/local/go/bin/go"
    return found


def go_env() -> dict[str, str]:
    """The go command's environment: caches under .venv, this machine's Go, go.mod/go.sum updated as needed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GENESYS_OIDC_")}
    env.update(GOMODCACHE=str(GO_CACHE / "mod"), GOCACHE=str(GO_CACHE / "build"), GOPATH=str(GO_CACHE / "path"),
               GOTOOLCHAIN="local", GOFLAGS="-mod=mod -modcacherw -buildvcs=false", CGO_ENABLED="0")
    return env


def build_go_host(workdir: Path) -> Path:
    """The host app with the rendered provider in workdir/genesysoidc, built; returns the binary."""
    go = go_binary()
    if go is None:
        raise Unavailable("go is not installed")
    workdir.mkdir(parents=True, exist_ok=True)
    for name in ("go.mod", "go.sum", "main.go"):
        shutil.copy(GO_HOST / name, workdir / name)
    (workdir / "genesysoidc").mkdir(exist_ok=True)
    (workdir / "genesysoidc" / "genesysoidc.go").write_text(_render("go/genesysoidc.go.j2"), encoding="utf-8")
    shutil.copy(HERE / "go" / "store_test.go", workdir / "genesysoidc" / "store_test.go")
    env = go_env()
    try:
        fetched = subprocess.run([go, "mod", "download"], cwd=workdir, env=env, capture_output=True, text=True,
                                 timeout=DOWNLOAD_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise Unavailable(f"the Go module proxy did not answer within {DOWNLOAD_TIMEOUT} s") from None
    if fetched.returncode != 0:
        raise Unavailable(f"the Go module proxy cannot be reached: {_last_line(fetched.stderr)}")
    binary = workdir / "hostapp"
    built = subprocess.run([go, "build", "-o", str(binary), "."], cwd=workdir, env=env, capture_output=True,
                           text=True, timeout=BUILD_TIMEOUT)
    if built.returncode != 0:
        raise BuildFailed(f"go build failed:\n{built.stdout}{built.stderr}")
    vet_clean(go, workdir, "./genesysoidc")
    return binary


def go_test(workdir: Path, package: str = "./genesysoidc") -> subprocess.CompletedProcess:
    """`go test` of a package of a built host app (the provider's own tests: tests/generated/go/*_test.go)."""
    go = go_binary()
    if go is None:
        raise Unavailable("go is not installed")
    return subprocess.run([go, "test", "-count=1", package], cwd=workdir, env=go_env(), capture_output=True,
                          text=True, timeout=BUILD_TIMEOUT)


def vet_clean(go: str, workdir: Path, package: str) -> None:
    """`go vet` and `gofmt -l` of a package say nothing, or BuildFailed."""
    vet = subprocess.run([go, "vet", package], cwd=workdir, env=go_env(), capture_output=True, text=True,
                         timeout=BUILD_TIMEOUT)
    if vet.returncode != 0 or vet.stdout.strip() or vet.stderr.strip():
        raise BuildFailed(f"go vet {package} is not clean:\n{vet.stdout}{vet.stderr}")
    gofmt = Path(go).parent / "gofmt"
    if gofmt.exists():
        listed = subprocess.run([str(gofmt), "-l", package.removeprefix("./")], cwd=workdir, capture_output=True,
                                text=True, timeout=60)
        if listed.stdout.strip():
            raise BuildFailed(f"gofmt would change {listed.stdout.strip()}")


def wiring_modules() -> tuple[tuple[str, str], ...]:
    """The (module, version) pairs that `migrate generate` writes into a Go site's go.mod."""
    sys.path.insert(0, str(ROOT))
    from migrate.lang.go.frameworks.gohttp import MODULES

    return tuple(MODULES)


def build_go_provider_alone(workdir: Path, modules: tuple[tuple[str, str], ...]) -> None:
    """The rendered package built in a module that requires exactly `modules`, as a migrated site's go.mod does."""
    go = go_binary()
    if go is None:
        raise Unavailable("go is not installed")
    (workdir / "genesysoidc").mkdir(parents=True, exist_ok=True)
    (workdir / "genesysoidc" / "genesysoidc.go").write_text(_render("go/genesysoidc.go.j2"), encoding="utf-8")
    requires = "".join(f"\t{module} {version}\n" for module, version in modules)
    (workdir / "go.mod").write_text(f"module example.com/shop\n\ngo 1.22\n\nrequire (\n{requires})\n")
    env = go_env()
    try:
        fetched = subprocess.run([go, "mod", "tidy"], cwd=workdir, env=env, capture_output=True, text=True,
                                 timeout=DOWNLOAD_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise Unavailable(f"the Go module proxy did not answer within {DOWNLOAD_TIMEOUT} s") from None
    if fetched.returncode != 0:
        raise Unavailable(f"the Go module proxy cannot be reached: {_last_line(fetched.stderr)}")
    listed = subprocess.run([go, "list", "-m", "all"], cwd=workdir, env=env, capture_output=True, text=True,
                            timeout=BUILD_TIMEOUT)
    for module, version in modules:
        if f"{module} {version}" not in listed.stdout.splitlines():
            raise BuildFailed(f"go mod tidy did not keep {module} {version}:\n{listed.stdout}{listed.stderr}")
    built = subprocess.run([go, "build", "./..."], cwd=workdir, env=env, capture_output=True, text=True,
                           timeout=BUILD_TIMEOUT)
    if built.returncode != 0:
        raise BuildFailed(f"go build failed with {modules}:\n{built.stdout}{built.stderr}")


def warm_go_sites(workdir: Path) -> None:
    """The modules of the Go sites that tests/generated/test_go_*_run.py migrate and build (gorilla/mux,
    echo... and what they need), downloaded by `go mod tidy` in a copy of each."""
    go = go_binary()
    if go is None:
        raise Unavailable("go is not installed")
    for site in sorted(p for p in (HERE / "go" / "sites").iterdir() if (p / "go.mod").is_file()):
        copy = workdir / site.name
        shutil.copytree(site, copy)
        try:
            tidy = subprocess.run([go, "mod", "tidy"], cwd=copy, env=go_env(), capture_output=True, text=True,
                                  timeout=DOWNLOAD_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise Unavailable(f"the Go module proxy did not answer within {DOWNLOAD_TIMEOUT} s") from None
        if tidy.returncode != 0:
            raise Unavailable(f"the Go module proxy cannot be reached: {_last_line(tidy.stderr)}")


# --- Java (Maven) -----------------------------------------------------------------------------------

_RESOLUTION = re.compile(r"Could not (?:transfer|resolve|find artifact)|Non-resolvable|offline mode|"
                         r"Unknown host|Connect(?:ion)? (?:timed out|refused)|Plugin .* could not be resolved")


def java_tools() -> tuple[str, str]:
    mvn, java = shutil.which("mvn"), shutil.which("java")
    if mvn is None or java is None:
        raise Unavailable(f"{'mvn' if mvn is None else 'java'} is not installed")
    return mvn, java


def _mvn(mvn: str, workdir: Path, offline: bool) -> subprocess.CompletedProcess:
    command = [mvn, "-B", "-q", "-Dstyle.color=never", f"-Dmaven.repo.local={MAVEN_REPO}", "-Dmaven.test.skip=true",
               "package"]
    if offline:
        command.insert(1, "-o")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GENESYS_OIDC_")}
    try:
        return subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True,
                              timeout=BUILD_TIMEOUT if offline else DOWNLOAD_TIMEOUT)
    except subprocess.TimeoutExpired:
        if offline:
            raise BuildFailed(f"mvn -o package took more than {BUILD_TIMEOUT} s") from None
        raise Unavailable(f"Maven Central did not answer within {DOWNLOAD_TIMEOUT} s") from None


def build_java_host(workdir: Path) -> Path:
    """The Spring Boot host app with the rendered controller in package hostapp, packaged; returns the jar.

    Offline first (the warm-up filled .venv/m2); online when something is missing there."""
    shutil.copytree(JAVA_HOST, workdir, dirs_exist_ok=True, ignore=shutil.ignore_patterns("target"))
    controller = workdir / "src" / "main" / "java" / "hostapp" / "GenesysOidcController.java"
    # Rendered without a package line: the wiring writes the old controller's above the imports.
    controller.write_text("package hostapp;\n\n" + _render("java/spring/GenesysOidcController.java.j2"),
                          encoding="utf-8")
    return package_maven(workdir, "hostapp.jar")


def build_servlet_host(workdir: Path) -> Path:
    """The embedded-Tomcat site with the rendered GenesysOidcServlet in package servlethost, packaged;
    returns the jar."""
    shutil.copytree(HERE / "java" / "servlethost", workdir, dirs_exist_ok=True, ignore=shutil.ignore_patterns("target"))
    servlet = workdir / "src" / "main" / "java" / "servlethost" / "GenesysOidcServlet.java"
    servlet.write_text("package servlethost;\n\n" + _render("java/servlet/GenesysOidcServlet.java.j2"), encoding="utf-8")
    return package_maven(workdir, "servlethost.jar")


def package_maven(workdir: Path, jar: str) -> Path:
    """`mvn package` of the Maven project in workdir; returns target/<jar>. Offline first (the warm-up
    filled .venv/m2); online when something is missing there."""
    mvn, _ = java_tools()
    for offline in (True, False):
        done = _mvn(mvn, workdir, offline)
        output = done.stdout + done.stderr
        if done.returncode == 0:
            return workdir / "target" / jar
        if "COMPILATION ERROR" in output or not _RESOLUTION.search(output):
            raise BuildFailed(f"mvn package failed:\n{output}")
    output = re.sub(r"\x1b\[[0-9;]*m", "", output)
    reasons = [line.replace("[ERROR]", "").strip() for line in output.splitlines() if _RESOLUTION.search(line)]
    reason = (reasons or [_last_line(output)])[0]
    raise Unavailable(f"Maven Central cannot be reached: {reason[:300]}")


# --- running a built site ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@contextlib.contextmanager
def running(command: list[str], env: dict[str, str], log: Path, start_timeout: float) -> Iterator[int]:
    """Starts a host app whose output goes to `log`; yields the port of its "listening PORT" line and
    stops it on exit, whatever happens. The app also ends itself after HOST_APP_MAX_SECONDS."""
    with open(log, "wb") as out:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + start_timeout
        while True:
            found = re.search(r"^listening (\d+)$", log.read_text(errors="replace"), re.M)
            if found:
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                stop(proc)
                raise AssertionError(f"the host app did not start:\n{log.read_text(errors='replace')[-4000:]}")
            time.sleep(0.05)
        yield int(found.group(1))
    finally:
        stop(proc)


def failed_start(command: list[str], env: dict[str, str], timeout: float) -> tuple[int, str]:
    """Runs a host app that must refuse to start; returns its exit status and what it printed."""
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)
    assert done.returncode != 0, "the host app started: " + done.stdout[-2000:]
    assert not re.search(r"^listening \d+$", done.stdout, re.M)
    return done.returncode, done.stdout + done.stderr


# --- make test's warm-up ------------------------------------------------------------------------------


def warm(language: str) -> int:
    """Builds the host app once so that the caches hold everything the tests' builds need."""
    build = {"go": build_go_host, "java": build_java_host}[language]
    name = {"go": "Go", "java": "Java (Spring Boot)"}[language]
    with tempfile.TemporaryDirectory(prefix=f"warm-{language}-") as tmp:
        try:
            build(Path(tmp) / "hostapp")
            if language == "go":
                build_go_provider_alone(Path(tmp) / "site", wiring_modules())
                warm_go_sites(Path(tmp) / "sites")
            else:  # the servlet site, and the Java sites the wiring tests migrate and package (java-jwt...)
                build_servlet_host(Path(tmp) / "servlethost")
                for site in sorted(p for p in (HERE / "java" / "sites").iterdir() if (p / "pom.xml").is_file()):
                    shutil.copytree(site, Path(tmp) / "sites" / site.name)
                    package_maven(Path(tmp) / "sites" / site.name, f"{site.name}.jar")
        except Unavailable as e:
            print(f"{e}: the {name} provider tests are skipped")
            return 1
        except BuildFailed as e:
            print(f"building the {name} provider failed; the {name} provider tests will fail:\n"
                  f"{str(e)[-3000:]}")
            return 2
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "warm" or sys.argv[2] not in ("go", "java"):
        sys.exit("usage: toolchains.py warm go|java")
    sys.exit(warm(sys.argv[2]))
