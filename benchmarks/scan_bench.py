"""How fast is `migrate scan` next to ripgrep (and semgrep) over the same tree?

Builds a synthetic code base (default ~1M lines: front-end, back-end and template files in
every language the scanner reads, a few of them with Zendesk widget and JWT code), then
prints wall time and peak memory of `migrate scan` beside `rg -l` (or `grep -rl`) looking for
the same byte needles the scanner's prefilter uses, and, when `semgrep` is on PATH, beside
semgrep with rules that find the same calls (zE / $zopim calls, JWT signing calls).

    python benchmarks/scan_bench.py [--lines 1000000] [--runs 3] [--keep DIR] [--jobs N]
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
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from migrate.files import NEEDLES  # noqa: E402

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

def measure(cmd: list[str], runs: int) -> tuple[float, float, subprocess.CompletedProcess]:
    """Median wall seconds and the peak RSS (MB) of the largest process in the command's tree."""
    walls, peak, last = [], 0.0, None
    wrapper = [sys.executable, "-c",
               "import resource, subprocess, sys, json;"
               "p = subprocess.run(sys.argv[1:], capture_output=True);"
               "print(json.dumps([p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss]));"
               "sys.stderr.write(p.stderr.decode(errors='replace')[-2000:])"]
    for _ in range(runs):
        start = time.perf_counter()
        last = subprocess.run(wrapper + cmd, capture_output=True, text=True)
        walls.append(time.perf_counter() - start)
        rc, kb = json.loads(last.stdout.strip().splitlines()[-1])
        peak = max(peak, kb / 1024)
    # the wrapper costs one interpreter start; subtract it so the figure is the command's own
    base = min(_timed([sys.executable, "-c", "import resource, subprocess, sys, json"]) for _ in range(3))
    return statistics.median(walls) - base, peak, last


def _timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--keep", type=Path, help="build (or reuse) the tree here instead of a temp dir")
    args = ap.parse_args()

    tmp = None
    if args.keep:
        root = args.keep
        if not root.exists():
            print(f"building ~{args.lines:,} lines in {root} ...", file=sys.stderr)
            build(root, args.lines)
    else:
        tmp = tempfile.mkdtemp(prefix="migrate-bench-")
        root = Path(tmp)
        build(root, args.lines)
    try:
        nfiles = sum(1 for p in root.rglob("*") if p.is_file() and "node_modules" not in p.parts)
        nlines = sum(p.read_bytes().count(b"\n") for p in root.rglob("*")
                     if p.is_file() and "node_modules" not in p.parts)
        mb = sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) / 1e6
        print(f"tree: {nfiles:,} files, {nlines:,} lines, {mb:.1f} MB; {os.cpu_count()} CPUs; "
              f"Python {sys.version.split()[0]}")

        migrate = [sys.executable, "-m", "migrate", "scan", str(root), "--format", "json", "--exit-zero"]
        if args.jobs:
            migrate += ["--jobs", str(args.jobs)]
        needles = [n.decode() for n in NEEDLES]
        if shutil.which("rg"):
            ref_name = "rg -l -F (same needles)"
            ref = ["rg", "-l", "-F", "--no-messages"] + [a for n in needles for a in ("-e", n)] + [str(root)]
        else:
            ref_name = "grep -rlF (same needles)"
            ref = ["grep", "-rlF", "--exclude-dir=node_modules", "--exclude-dir=.git"] + \
                  [a for n in needles for a in ("-e", n)] + [str(root)]

        m_wall, m_mem, _ = measure(migrate, args.runs)
        r_wall, r_mem, _ = measure(ref, args.runs)
        print(f"{'command':<28} {'wall s':>8} {'peak MB':>8}")
        print(f"{'migrate scan':<28} {m_wall:>8.3f} {m_mem:>8.1f}")
        print(f"{ref_name:<28} {r_wall:>8.3f} {r_mem:>8.1f}")
        if shutil.which("semgrep"):
            rules = Path(tempfile.mkdtemp(prefix="migrate-bench-rules-")) / "rules.yaml"
            rules.write_text(SEMGREP_RULES)
            sg = ["semgrep", "scan", "--config", str(rules), "--metrics", "off", "--quiet", "--json",
                  "--disable-version-check", str(root)]
            s_wall, s_mem, _ = measure(sg, 1)
            print(f"{'semgrep (same calls)':<28} {s_wall:>8.3f} {s_mem:>8.1f}")
            shutil.rmtree(rules.parent, ignore_errors=True)
        else:
            print("semgrep: not installed (pip install semgrep to compare)")
        print(f"ratio: {m_wall / r_wall:.1f}x {ref_name.split()[0]} (target <= 6x); "
              f"peak memory {m_mem:.0f} MB (target < 300 MB)")
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
