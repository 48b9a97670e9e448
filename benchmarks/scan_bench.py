"""How fast is `migrate scan` next to ripgrep (and semgrep) over the same tree?

Builds synthetic code bases (default ~1M and ~10M lines: front-end, back-end and template files
in every language the scanner reads, a few of them with Zendesk widget and JWT code), then
prints, for each, wall time (range over --runs) and peak memory of `migrate scan` beside
`rg -l -F` looking for the same needles the scan's own ripgrep search uses, and, when semgrep is
installed, beside semgrep with rules that find the same calls (zE / $zopim calls, JWT signing
calls), with the ratios; then the wall time of `migrate generate` on the 1M-line site (its
Zendesk signers all wired).

    python benchmarks/scan_bench.py [--lines 1000000,10000000] [--runs 3] [--keep DIR]
                                    [--jobs N] [--semgrep PATH]

The machine may be shared: every figure is a range over the runs, all in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from migrate.files import _search_needles

# --- the synthetic tree ---------------------------------------------------------------------

PLAIN = {
    ".js": "export function handler{i}(req, res) {{\n  const items = req.body.items || [];\n"
           "  const total = items.reduce((sum, it) => sum + it.price * it.qty, 0);\n"
           "  if (total > {i}) {{ res.status(400).send('too much'); return; }}\n  res.json({{ total }});\n}}\n",
    ".ts": "export interface Row{i} {{ id: number; name: string; price: number }}\n"
           "export function sum{i}(rows: Row{i}[]): number {{\n  let t = 0;\n"
           "  for (const r of rows) {{ t += r.price; }}\n  return t;\n}}\n",
    ".py": "def total_{i}(items):\n    subtotal = sum(item.price * item.qty for item in items)\n"
           "    if subtotal > {i}:\n        raise ValueError('too much')\n    return round(subtotal, 2)\n\n\n",
    ".java": "  public long total{i}(List<Item> items) {{\n    long t = 0;\n"
             "    for (Item it : items) {{ t += it.getPrice() * it.getQty(); }}\n    return t;\n  }}\n",
    ".go": "func Total{i}(items []Item) int {{\n\tt := 0\n\tfor _, it := range items {{\n"
           "\t\tt += it.Price * it.Qty\n\t}}\n\treturn t\n}}\n\n",
    ".rb": "  def total_{i}(items)\n    items.sum {{ |it| it.price * it.qty }}\n  end\n\n",
    ".php": "    public function total{i}(array $items): int\n    {{\n"
            "        return array_sum(array_map(fn($it) => $it->price * $it->qty, $items));\n    }}\n\n",
    ".html": "<section class=\"card\" id=\"card-{i}\">\n  <h2>Item {i}</h2>\n"
             "  <p>Price: <span class=\"price\">{i}.00</span></p>\n</section>\n",
    ".cs": "    public decimal Total{i}(IEnumerable<Item> items)\n    {{\n"
           "        return items.Sum(it => it.Price * it.Qty);\n    }}\n\n",
}
SHARE = {".js": 25, ".ts": 20, ".py": 15, ".java": 8, ".go": 6, ".rb": 6, ".php": 6, ".html": 8, ".cs": 6}

ZENDESK_JS = """const jwt = require('jsonwebtoken');
app.get('/zendesk/jwt', requireAuth, (req, res) => {
  const token = jwt.sign({ external_id: req.user.id, scope: 'user', exp: Date.now() + 3600 },
    process.env.ZENDESK_SECRET, { keyid: process.env.ZENDESK_KID });
  res.json(token);
});
"""
ZENDESK_PAGE = """<script id="ze-snippet" src="https://static.zdassets.com/ekr/snippet.js?key=abc"></script>
<script>
zE('messenger', 'loginUser', function (cb) { fetch('/zendesk/jwt').then(r => r.text()).then(cb); });
zE('messenger:set', 'locale', 'de');
</script>
"""
ZENDESK_PY = """import jwt as pyjwt
def zendesk_token(user):
    return pyjwt.encode({"external_id": user.id, "scope": "user", "exp": time.time() + 300},
                        settings.ZENDESK_SECRET, headers={"kid": settings.ZENDESK_KID})
"""
# Files that mention JWTs for other reasons (verification middleware): prefilter hits, no signer.
VERIFY_JS = "const jwt = require('jsonwebtoken');\nconst claims = jwt.verify(token, publicKey);\n"


def build(root: Path, lines: int, seed: int = 7) -> tuple[int, int]:
    rnd = random.Random(seed)
    total = files = 0
    exts = [e for e, n in SHARE.items() for _ in range(n)]
    while total < lines:
        ext = rnd.choice(exts)
        folder = root / rnd.choice(["src", "app", "lib", "web", "services", "pages"]) / f"m{files // 50}"
        folder.mkdir(parents=True, exist_ok=True)
        body = []
        target = rnd.randint(200, 600)
        n = 0
        while n < target:
            chunk = PLAIN[ext].format(i=n)
            body.append(chunk)
            n += chunk.count("\n")
        roll = rnd.random()
        if roll < 0.01 and ext in (".js", ".ts"):
            body.insert(0, ZENDESK_JS)
        elif roll < 0.01 and ext == ".html":
            body.append(ZENDESK_PAGE)
        elif roll < 0.01 and ext == ".py":
            body.insert(0, ZENDESK_PY)
        elif roll < 0.05 and ext in (".js", ".ts"):
            body.insert(0, VERIFY_JS)
        text = "".join(body)
        (folder / f"f{files}{ext}").write_text(text, encoding="utf-8")
        total += text.count("\n")
        files += 1
    (root / "node_modules" / "big").mkdir(parents=True)
    (root / "node_modules" / "big" / "index.js").write_text(ZENDESK_JS * 1000)
    return files, total


# Semgrep rules that find what the scanner's inventory finds (not its rule logic): widget calls
# and JWT signing calls in the languages of the synthetic tree.
SEMGREP_RULES = """rules:
  - id: zendesk-widget-call
    languages: [javascript, typescript]
    severity: INFO
    message: widget call
    pattern-either:
      - pattern: zE(...)
      - pattern: $zopim(...)
  - id: jwt-sign-js
    languages: [javascript, typescript]
    severity: INFO
    message: JWT signing
    pattern: $JWT.sign($PAYLOAD, $KEY, ...)
  - id: jwt-sign-python
    languages: [python]
    severity: INFO
    message: JWT signing
    pattern: $JWT.encode($PAYLOAD, $KEY, ...)
"""


# --- measuring --------------------------------------------------------------------------------

_WRAPPER = ("import resource, subprocess, sys, json, time;"
            "t = time.perf_counter();"
            "p = subprocess.run(sys.argv[1:], capture_output=True);"
            "t = time.perf_counter() - t;"
            "print(json.dumps([p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, t]));"
            "sys.stderr.write(p.stderr.decode(errors='replace')[-2000:])")


@dataclass
class Timing:
    walls: list[float]
    peak_mb: float
    stdout: str = ""

    @property
    def best(self) -> float:
        return min(self.walls)

    def span(self) -> str:
        lo, hi = min(self.walls), max(self.walls)
        return f"{lo:.3f}" if len(self.walls) == 1 or hi - lo < 0.0005 else f"{lo:.3f}-{hi:.3f}"


def measure(cmd: list[str], runs: int, env: dict | None = None) -> Timing:
    """Wall seconds of each run (timed inside the wrapper, so its own start is not counted) and
    the peak RSS (MB) of the largest process in the command's tree."""
    walls, peak, out = [], 0.0, ""
    for _ in range(runs):
        p = subprocess.run([sys.executable, "-c", _WRAPPER, *cmd], capture_output=True, text=True, env=env, check=False)
        _, kb, wall = json.loads(p.stdout.strip().splitlines()[-1])
        walls.append(wall)
        peak = max(peak, kb / 1024)
    return Timing(walls, peak, out)


def ratio(a: Timing, b: Timing) -> str:
    lo = min(a.walls) / max(b.walls)
    hi = max(a.walls) / min(b.walls)
    mid = statistics.median(a.walls) / statistics.median(b.walls)
    return f"{mid:.2f}x (range {lo:.2f}-{hi:.2f})"


def semgrep_binary(given: str | None) -> str | None:
    for candidate in (given, shutil.which("semgrep"), "/tmp/sgvenv/bin/semgrep"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def tree(base: Path | None, lines: int) -> tuple[Path, bool]:
    if base is not None:
        root = base / f"tree-{lines}"
        if not root.exists():
            print(f"building ~{lines:,} lines in {root} ...", file=sys.stderr)
            build(root, lines)
        return root, False
    root = Path(tempfile.mkdtemp(prefix=f"migrate-bench-{lines}-"))
    build(root, lines)
    return root, True


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", default="1000000,10000000", help="tree sizes, comma-separated")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--keep", type=Path, help="build (or reuse) the trees in this folder instead of temp dirs")
    ap.add_argument("--semgrep", help="the semgrep binary (default: on PATH)")
    args = ap.parse_args()

    # An installed package has its bytecode compiled; a checkout run with PYTHONDONTWRITEBYTECODE
    # would compile every module on every start.  Compile once so both are measured alike.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "migrate")], check=False,
                   env={**os.environ, "PYTHONDONTWRITEBYTECODE": ""})
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    needles = [n.decode() for n in _search_needles()]
    rg = shutil.which("rg") or str(Path(sys.executable).parent / "rg")
    semgrep = semgrep_binary(args.semgrep)
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "?") if Path("/proc/cpuinfo").exists() else "?"
    rg_version = subprocess.run([rg, "--version"], capture_output=True, text=True, check=False).stdout.split("\n")[0]
    print(f"machine: {os.cpu_count()} CPUs ({cpu}); Python {sys.version.split()[0]}; {rg_version}; "
          f"runs per figure: {args.runs}")
    sizes = [int(x) for x in args.lines.split(",") if x.strip()]
    sites = []
    for lines in sizes:
        root, temporary = tree(args.keep, lines)
        sites.append((lines, root, temporary))
    try:
        for lines, root, _ in sites:
            paths = [p for p in root.rglob("*") if p.is_file() and "node_modules" not in p.parts]
            nlines = sum(p.read_bytes().count(b"\n") for p in paths)
            mb = sum(p.stat().st_size for p in paths) / 1e6
            print(f"\ntree: {len(paths):,} files, {nlines:,} lines, {mb:.1f} MB")
            migrate = [sys.executable, "-m", "migrate", "scan", str(root), "--format", "json", "--exit-zero"]
            if args.jobs:
                migrate += ["--jobs", str(args.jobs)]
            ref = [rg, "-l", "-F", "--no-messages"] + [a for n in needles for a in ("-e", n)] + [str(root)]
            measure(ref, 1)  # the page cache warm for both
            m = measure(migrate, args.runs, env)
            r = measure(ref, args.runs)
            report = subprocess.run(migrate, capture_output=True, text=True, env=env, check=False).stdout
            try:
                inventory_s = json.loads(report)["stats"]["seconds"]
            except (ValueError, KeyError):
                inventory_s = float("nan")
            print(f"{'command':<34} {'wall s':>13} {'peak MB':>8}")
            print(f"{'migrate scan':<34} {m.span():>13} {m.peak_mb:>8.1f}")
            print(f"{'rg -l -F (same needles)':<34} {r.span():>13} {r.peak_mb:>8.1f}")
            print(f"migrate / rg: {ratio(m, r)}; of migrate's time, the walk, prefilter and parse (the "
                  f"inventory): {inventory_s:.3f} s, {inventory_s / r.best:.1f}x rg's best; the rest is start-up, "
                  "rules (an in-memory generate run among them) and the report")
            if semgrep:
                rules = Path(tempfile.mkdtemp(prefix="migrate-bench-rules-")) / "rules.yaml"
                rules.write_text(SEMGREP_RULES)
                sg = [semgrep, "scan", "--config", str(rules), "--metrics", "off", "--quiet", "--json",
                      "--disable-version-check", "--jobs", str(os.cpu_count() or 1), str(root)]
                s = measure(sg, 1)
                print(f"{'semgrep (same calls)':<34} {s.span():>13} {s.peak_mb:>8.1f}")
                print(f"semgrep / migrate: {ratio(s, m)}")
                shutil.rmtree(rules.parent, ignore_errors=True)
            else:
                print("semgrep: not installed (pip install semgrep, or --semgrep PATH, to compare)")
        lines, root, _ = sites[0]
        gen = [sys.executable, "-m", "migrate", "generate", str(root), "--region", "eu-west-1",
               "--deployment-id", "5e0a7c43-8f8e-4d11-9a54-1b2c3d4e5f60", "--issuer", "https://shop.example.com/oidc"]
        g = measure(gen, max(1, args.runs - 1), {**env, "MIGRATE_SECRETS_DIR": tempfile.mkdtemp()})
        print(f"\nmigrate generate on the {lines:,}-line site (dry run, every signer wired): "
              f"{g.span()} s, peak {g.peak_mb:.0f} MB")
    finally:
        for _, root, temporary in sites:
            if temporary:
                shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
