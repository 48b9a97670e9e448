"""The review page (`--html FILE` on generate and scan): one self-contained HTML file.

No network: styles and the small keyboard script are inline, and a Content-Security-Policy forbids
every fetch. Findings and changes are grouped per file with their counts; each hunk carries the
reason and rule behind it; a generated provider is collapsed under a header naming its template
and the tool version; the Genesys steps close the page. String literals on lines a secret rule
flags are masked, so the page can be shared.
"""

from __future__ import annotations

import html
import re
from collections import Counter, defaultdict
from pathlib import Path

from migrate import __version__

# Rules whose finding means the line holds a secret (a key, a token) in the code.
SECRET_RULES = {"ZG103", "ZG105", "ZG212", "ZG219", "ZG302"}
_LITERAL = re.compile(r"""(["'`])((?:\\.|(?!\1).){6,})\1""")
_TEMPLATE = re.compile(r"\[(templates/[^\]]+)\]")

_CSS = """
:root { color-scheme: light dark; --fg: #1b1f24; --bg: #fff; --muted: #57606a; --line: #d0d7de;
  --add: #dafbe1; --del: #ffebe9; --hunk: #ddf4ff; --focus: #0969da; --error: #cf222e; --warning: #9a6700;
  --info: #0969da; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --bg: #0d1117; --muted: #8d96a0; --line: #30363d;
  --add: #12361f; --del: #42181b; --hunk: #0c2d4b; --focus: #58a6ff; --error: #ff7b72; --warning: #d29922;
  --info: #58a6ff; } }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg);
  background: var(--bg); }
header, main, nav { max-width: 1100px; margin: 0 auto; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin: 1rem 0 .25rem; }
h2 { font-size: 1.2rem; margin: 0 0 .5rem; }
h3 { font-size: 1rem; margin: .75rem 0 .25rem; }
.meta, .keys { color: var(--muted); margin: .2rem 0; }
kbd { border: 1px solid var(--line); border-radius: 4px; padding: 0 .3em; font-size: .85em; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 1rem; top: .5rem; background: var(--bg); padding: .25rem .5rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
th, td { text-align: left; padding: .2rem .6rem; border-bottom: 1px solid var(--line); }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
section.file, section.part { border: 1px solid var(--line); border-radius: 6px; padding: .75rem 1rem;
  margin: 1rem 0; scroll-margin-top: 1rem; }
section:focus, a:focus, summary:focus { outline: 3px solid var(--focus); outline-offset: 2px; }
.counts { color: var(--muted); font-weight: normal; font-size: .9rem; }
ul.findings { list-style: none; padding: 0; margin: 0; }
ul.findings li { padding: .1rem 0; }
.sev { display: inline-block; min-width: 5.5em; font-weight: 600; }
.sev.error { color: var(--error); } .sev.warning { color: var(--warning); } .sev.info { color: var(--info); }
.rule { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-weight: 600; }
.why { margin: .5rem 0 .2rem; padding-left: .6rem; border-left: 3px solid var(--focus); }
.why p { margin: 0; }
pre { margin: 0; overflow-x: auto; font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  border: 1px solid var(--line); border-radius: 4px; }
pre span { display: block; padding: 0 .5rem; white-space: pre; }
pre .a { background: var(--add); } pre .d { background: var(--del); } pre .h { background: var(--hunk); }
details > summary { cursor: pointer; font-weight: 600; }
.steps { white-space: pre-wrap; }
"""

_SCRIPT = """
(function () {
  var sections = Array.prototype.slice.call(document.querySelectorAll('section[tabindex]'));
  function current() {
    var i = sections.indexOf(document.activeElement && document.activeElement.closest
      ? document.activeElement.closest('section[tabindex]') : null);
    return i;
  }
  function go(step) {
    if (!sections.length) return;
    var i = current();
    i = i < 0 ? (step > 0 ? 0 : sections.length - 1) : Math.min(sections.length - 1, Math.max(0, i + step));
    sections[i].focus();
    sections[i].scrollIntoView({block: 'start'});
  }
  document.addEventListener('keydown', function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    var tag = (e.target && e.target.tagName) || '';
    if (tag === 'INPUT' || tag === 'TEXTAREA') return;
    if (e.key === 'j' || e.key === 'n') { go(1); e.preventDefault(); }
    else if (e.key === 'k' || e.key === 'p') { go(-1); e.preventDefault(); }
    else if (e.key === 'o') {
      var i = current();
      var scope = i < 0 ? document : sections[i];
      var all = scope.querySelectorAll('details');
      var open = Array.prototype.some.call(all, function (d) { return !d.open; });
      Array.prototype.forEach.call(all, function (d) { d.open = open; });
      e.preventDefault();
    }
  });
})();
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _anchor(path: str) -> str:
    return "f-" + re.sub(r"[^A-Za-z0-9_-]", "-", path)


def _mask(line: str) -> str:
    return _LITERAL.sub(lambda m: f"{m.group(1)}***{m.group(1)}", line)


def _page(title: str, subtitle: list[str], body: list[str]) -> str:
    return "\n".join([
        "<!doctype html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # Self-contained: nothing may be fetched, not even a favicon.
        ("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
         "script-src 'unsafe-inline'; img-src data:\">"),
        f"<title>{_e(title)}</title>",
        '<link rel="icon" href="data:,">',
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        '<a class="skip" href="#main">Skip to the files</a>',
        "<header>",
        f"<h1>{_e(title)}</h1>",
        *[f'<p class="meta">{line}</p>' for line in subtitle],
        ('<p class="keys">Keys: <kbd>j</kbd> / <kbd>k</kbd> next / previous section, <kbd>o</kbd> opens or closes '
         "the collapsed parts, <kbd>Tab</kbd> moves between links and parts, <kbd>Enter</kbd> opens one.</p>"),
        "</header>",
        *body,
        f"<script>{_SCRIPT}</script>",
        "</body>",
        "</html>",
        "",
    ])


def _findings_list(found, heading: bool = True) -> list[str]:
    if not found:
        return []
    out = ["<h3>Findings</h3>"] if heading else []
    out.append('<ul class="findings">')
    for f in found:
        out.append(f'<li><span class="sev {_e(f.severity)}">{_e(f.severity)}</span> line {f.line}:{f.column} '
                   f'<span class="rule">{_e(f.rule)}</span> {_e(f.name)}: {_e(f.message)}</li>')
    out.append("</ul>")
    return out


def _severity_counts(found) -> str:
    c = Counter(f.severity for f in found)
    return ", ".join(f"{c[s]} {s}{'s' if c[s] != 1 and s != 'info' else ''}" for s in ("error", "warning", "info")
                     if c[s]) or "none"


def _hunk_pre(hunk, secret_lines: set[int]) -> str:
    """One hunk as lines; old lines a secret rule flagged have their string literals masked."""
    rows = [f'<span class="h">{_e(hunk.header)}</span>']
    old = hunk.old_start if hunk.old_count else hunk.old_start + 1
    for line in hunk.lines:
        kind, body = line[:1], line[1:].rstrip("\r\n")
        if kind in (" ", "-") and old in secret_lines:
            body = _mask(body)
        css = {"+": "a", "-": "d"}.get(kind, "c")
        rows.append(f'<span class="{css}">{_e(kind + body)}</span>')
        if kind in (" ", "-"):
            old += 1
    return "<pre>" + "".join(rows) + "</pre>"


def render_scan(root: Path | str, result) -> str:
    """The page for `migrate scan --html`: findings per file, with counts."""
    by_file: dict[str, list] = defaultdict(list)
    for f in result.findings:
        by_file[f.path].append(f)
    body = ['<nav aria-label="Files">', "<h2>Files</h2>", "<table>",
            '<thead><tr><th scope="col">file</th><th scope="col">findings</th></tr></thead><tbody>']
    for path in sorted(by_file):
        body.append(f'<tr><td><a href="#{_anchor(path)}">{_e(path)}</a></td>'
                    f"<td>{_e(_severity_counts(by_file[path]))}</td></tr>")
    body += ["</tbody></table>", "</nav>", '<main id="main">']
    if not by_file:
        body.append('<section class="part" tabindex="-1"><h2>No findings</h2></section>')
    for path in sorted(by_file):
        body.append(f'<section class="file" id="{_anchor(path)}" tabindex="-1" aria-label="{_e(path)}">')
        body.append(f'<h2>{_e(path)} <span class="counts">{_e(_severity_counts(by_file[path]))}</span></h2>')
        body += _findings_list(by_file[path], heading=False)
        body.append("</section>")
    body.append('<section class="part" id="next" tabindex="-1"><h2>Next</h2>'
                f"<p><code>migrate generate {_e(root)} --region ... --deployment-id ... --issuer ... --html "
                "review.html</code> shows the change that fixes them, per file.</p></section>")
    body.append("</main>")
    n = len(result.findings)
    return _page(f"migrate scan: {Path(str(root)).name or root}",
                 [(f"migrate {_e(__version__)} · {n} finding{'s' if n != 1 else ''} in {len(by_file)} "
                   f"file{'s' if len(by_file) != 1 else ''}")], body)


def render_generate(root: Path, result, scanned, patch: str, steps: str | None = None) -> str:
    """The page for `migrate generate --html`: per file its findings, counts and hunks (each with
    its reason and rule), the provider collapsed, then the Genesys steps."""
    from migrate.generate import patchfile

    head = patch.split("\n\ndiff --git ", 1)[0] if patch else ""
    inputs = next((line[len("# inputs: "):] for line in head.splitlines() if line.startswith("# inputs: ")), "")
    changes = {c.path: c for c in result.changes.changes if c.changed}
    described = result.changes.described()
    reasons = {p: tuple(line[len(p) + 2:] for line in described if line.startswith(p + ": ")) for p in changes}
    found: dict[str, list] = defaultdict(list)
    for f in (scanned.findings if scanned is not None else ()):
        found[f.path].append(f)
    secret_lines = {p: {f.line for f in fs if f.rule in SECRET_RULES} for p, fs in found.items()}
    paths = sorted(set(changes) | set(found))

    body = ['<nav aria-label="Files">', "<h2>Files</h2>", "<table>",
            ('<thead><tr><th scope="col">file</th><th scope="col">change</th><th scope="col" class="n">added</th>'
             '<th scope="col" class="n">removed</th><th scope="col">findings</th></tr></thead><tbody>')]
    total_add = total_del = 0
    for path in paths:
        c = changes.get(path)
        added, removed = c.stat() if c else (0, 0)
        total_add, total_del = total_add + added, total_del + removed
        state = "new" if c and c.new else "deleted" if c and c.deleted else "changed" if c else "unchanged"
        body.append(f'<tr><td><a href="#{_anchor(path)}">{_e(path)}</a></td><td>{state}</td>'
                    f'<td class="n">+{added}</td><td class="n">-{removed}</td>'
                    f"<td>{_e(_severity_counts(found.get(path, [])))}</td></tr>")
    every = [f for fs in found.values() for f in fs]
    body += [(f'<tr><th scope="row">{len(changes)} file(s) changed</th><td></td><td class="n">+{total_add}</td>'
              f'<td class="n">-{total_del}</td><td>{_e(_severity_counts(every))}</td></tr>'),
             "</tbody></table>", '<p><a href="#genesys">The steps in Genesys Cloud</a></p>', "</nav>",
             '<main id="main">']

    for path in paths:
        c = changes.get(path)
        added, removed = c.stat() if c else (0, 0)
        counts = f"+{added} -{removed}" if c else "not changed"
        body.append(f'<section class="file" id="{_anchor(path)}" tabindex="-1" aria-label="{_e(path)}">')
        body.append(f'<h2>{_e(path)} <span class="counts">{_e(counts)} · findings: '
                    f"{_e(_severity_counts(found.get(path, [])))}</span></h2>")
        body += _findings_list(found.get(path, []))
        if c is not None:
            why = reasons.get(path, ())
            template = next((m.group(1) for r in why for m in [_TEMPLATE.search(r)] if m), None)
            placed = patchfile.hunk_reasons(c, why)
            blocks = []
            for hunk, lines in placed:
                blocks.append('<div class="why">' + "".join(f"<p>{_e(r.strip())}</p>" for r in lines)
                              + "</div>" if lines else '<div class="why"><p>part of the change to this file'
                              "</p></div>")
                blocks.append(_hunk_pre(hunk, secret_lines.get(path, set())))
            if c.new and template:  # the generated provider: long, and made from a template
                body.append("<details>")
                body.append(f"<summary>new file, {added} lines, generated from {_e(template)} by migrate "
                            f"{_e(__version__)} (open to read it)</summary>")
                body += blocks
                body.append("</details>")
            else:
                body.append("<h3>Changes</h3>")
                body += blocks
        body.append("</section>")

    if result.outcomes or result.notes:
        body.append('<section class="part" id="signers" tabindex="-1"><h2>Sign-in, per Zendesk token signer</h2>'
                    "<ul>" + "".join(f"<li>{_e(o.text)}</li>" for o in result.outcomes)
                    + "".join(f"<li>note: {_e(n)}</li>" for n in result.notes) + "</ul></section>")
    body.append('<section class="part" id="genesys" tabindex="-1"><h2>In Genesys Cloud</h2>'
                f'<pre class="steps"><span>{_e(steps or result.genesys.text())}</span></pre></section>')
    body.append("</main>")
    subtitle = [f"migrate {_e(__version__)}" + (f" · <code>{_e(inputs)}</code>" if inputs else ""),
                f"{len(changes)} file(s) changed, +{total_add} -{total_del} lines"]
    return _page(f"migrate generate: {root.resolve().name}", subtitle, body)
