"""``--report html FILE``: one self-contained page to review a whole batch: the totals, each
repository's files with their diffs folded, the warnings and errors with their codes, filters by
status and code, and a search box. No network, no external asset: the style and the script are in
the page, and every text from the files is escaped."""

from __future__ import annotations

import difflib
import html
import json
from collections.abc import Iterable

from composemigrate.report import shown
from composemigrate.runner import Outcome

STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:1em;color:#222}
h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.5em}
.totals span{display:inline-block;margin-right:1.2em}
.bar{position:sticky;top:0;background:#fff;padding:.5em 0;border-bottom:1px solid #ddd}
.file{border:1px solid #ddd;border-radius:4px;margin:.4em 0;padding:.3em .6em}
.changed{border-left:4px solid #2a7}.skipped{border-left:4px solid #c90}
.failed{border-left:4px solid #c33}.unchanged{border-left:4px solid #bbb}
.status{font-weight:600;margin-right:.6em}.code{font-family:monospace;font-weight:600}
pre{overflow-x:auto;background:#f7f7f7;padding:.5em;margin:.3em 0}
.add{color:#075;background:#e6ffed}.del{color:#a00;background:#ffeef0}.hunk{color:#05a}
.hidden{display:none}
"""

SCRIPT = """
const boxes=[...document.querySelectorAll('input[name=status]')];
const code=document.getElementById('code');const search=document.getElementById('search');
function apply(){const on=new Set(boxes.filter(b=>b.checked).map(b=>b.value));
const want=code.value;const text=search.value.toLowerCase();
for(const f of document.querySelectorAll('.file')){
const ok=on.has(f.dataset.status)&&(!want||f.dataset.codes.split(' ').includes(want))
&&(!text||f.textContent.toLowerCase().includes(text));f.classList.toggle('hidden',!ok);}
for(const r of document.querySelectorAll('.repo')){
r.classList.toggle('hidden',!r.querySelector('.file:not(.hidden)'));}}
boxes.forEach(b=>b.addEventListener('change',apply));code.addEventListener('change',apply);
search.addEventListener('input',apply);apply();
"""


def _diff(outcome: Outcome) -> str:
    lines = difflib.unified_diff(
        outcome.old.splitlines(), outcome.new.splitlines(), "a", "b", lineterm="", n=2
    )
    out = []
    for line in list(lines)[2:]:
        kind = "hunk" if line.startswith("@@") else {"+": "add", "-": "del"}.get(line[:1], "")
        text = html.escape(line)
        out.append(f'<span class="{kind}">{text}</span>' if kind else text)
    return "\n".join(out)


def _file(outcome: Outcome, shown: str) -> str:
    codes = sorted({w.code for w in outcome.warnings if w.code})
    notes = [
        f'<li><span class="code">{html.escape(w.code)}</span> line {w.line}: '
        f"{html.escape(w.message)}</li>"
        for w in outcome.warnings
    ]
    if outcome.error is not None:
        notes.append(f"<li>error: {html.escape(outcome.error.message)}</li>")
    services = f" ({html.escape(', '.join(outcome.services))})" if outcome.services else ""
    body = f"<ul>{''.join(notes)}</ul>" if notes else ""
    if outcome.status == "changed" and outcome.old != outcome.new:
        body += f"<details><summary>diff</summary><pre>{_diff(outcome)}</pre></details>"
    return (
        f'<div class="file {outcome.status}" data-status="{outcome.status}" '
        f'data-codes="{html.escape(" ".join(codes))}">'
        f'<span class="status">{outcome.status}</span>{html.escape(shown)}{services}{body}</div>'
    )


def page(outcomes: Iterable[Outcome], direction: str, mode: str) -> str:
    """The whole page for a batch's outcomes (their texts kept, for the diffs)."""
    items = list(outcomes)
    by_repo: dict[str, list[Outcome]] = {}
    for outcome in items:
        name = str(outcome.repo) if outcome.repo is not None else "(no repository)"
        by_repo.setdefault(name, []).append(outcome)
    counts = {status: 0 for status in ("changed", "unchanged", "skipped", "failed")}
    for outcome in items:
        counts[outcome.status] += 1
    codes = sorted({w.code for o in items for w in o.warnings if w.code})
    totals = "".join(
        f'<span id="total-{status}">{status}: <b>{count}</b></span>'
        for status, count in counts.items()
    )
    checks = "".join(
        f'<label><input type="checkbox" name="status" value="{status}" '
        f"{'' if status == 'unchanged' else 'checked'}> {status}</label> "
        for status in counts
    )
    options = "".join(f'<option value="{html.escape(c)}">{html.escape(c)}</option>' for c in codes)
    sections = []
    for name, outcomes in sorted(by_repo.items()):
        files = "".join(_file(o, shown(o.path, o.repo)) for o in outcomes)
        sections.append(f'<section class="repo"><h2>{html.escape(name)}</h2>{files}</section>')
    title = f"composemigrate --to-{direction}: review"
    data = html.escape(json.dumps({"direction": direction, "mode": mode, "totals": counts}))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">"
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>"
        f'<body data-report="{data}"><h1>{html.escape(title)}</h1>'
        f'<div class="totals">{totals}</div>'
        f'<div class="bar">{checks}<select id="code"><option value="">any code</option>{options}'
        '</select> <input id="search" type="search" placeholder="search files, services, '
        'messages"></div>'
        f"{''.join(sections)}<script>{SCRIPT}</script></body></html>\n"
    )
