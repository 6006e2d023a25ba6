"""How much of the real corpus each direction migrates, and why the rest is left.

For every Compose file of ``../shared/corpus/compose`` (each migrated alone, as a new user would)
and every direction: the GPU services whose request is in another form than the target before,
how many are in the target form after, and the rest grouped by refusal code. A request for another
vendor's driver (``driver: rocm``, CM508) is no NVIDIA request: it is counted apart. The
baseline column is the same measure at a git revision given with ``--baseline`` (default: none),
run side by side from a temporary worktree; a baseline without refusal codes cannot set CM508
apart.

Usage: ``python benchmarks/coverage.py [--corpus DIR] [--baseline REV]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent.parent / "shared" / "corpus" / "compose"

MEASURE = """\
import json, sys
from collections import Counter
from pathlib import Path
from composemigrate import Form, MigrationError, migrate
try:
    from composemigrate.fileio import env_file_reader
except ImportError:  # a baseline from before env files were read
    env_file_reader = None
from composemigrate.forms import FORMS
from composemigrate.rewrite import documents
from composemigrate.yamldoc import Lines

result = {}
for to in Form:
    total = done = 0
    left = Counter()
    for path in sorted(Path(sys.argv[1]).iterdir()):
        text = path.read_bytes().decode("utf-8", "replace").removeprefix("\\ufeff")
        try:
            views = [v for d in documents(text, Lines(text)) for v in d.views]
        except Exception:
            continue
        names = [v.name for v in views if {f for f, m in FORMS.items() if m.read(v)} - {to}]
        total += len(names)
        extra = {"env_files": env_file_reader(path.parent)} if env_file_reader else {}
        try:
            outcome = migrate(text, to, **extra)
        except MigrationError:
            left["error"] += len(names)
            continue
        done += sum(1 for name in names if name in outcome.services)
        for finding in outcome.warnings:
            if "left unchanged" in finding.message:
                left[getattr(finding, "code", "") or "uncoded"] += 1
    other = left.pop("CM508", 0)  # a request for another vendor's driver: not NVIDIA's
    result[to.value] = {"total": total - other, "done": done, "left": dict(left), "other": other}
print(json.dumps(result))
"""
"""Runs in the interpreter of the tree measured, so a baseline checkout measures its own code."""


def measure(source: Path, corpus: Path) -> dict[str, dict[str, object]]:
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(corpus)],
        env={"PYTHONPATH": str(source / "src"), "PATH": ""},
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, dict[str, object]] = json.loads(done.stdout)
    return result


def baseline_tree(revision: str, folder: Path) -> Path:
    tree = folder / "baseline"
    subprocess.run(
        ["git", "-C", str(HERE.parent), "worktree", "add", "--detach", "-q", str(tree), revision],
        check=True,
    )
    return tree


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--baseline", help="a git revision to measure side by side")
    args = parser.parse_args()
    now = measure(HERE.parent, args.corpus)
    before: dict[str, dict[str, object]] = {}
    if args.baseline:
        with tempfile.TemporaryDirectory() as folder:
            tree = baseline_tree(args.baseline, Path(folder))
            try:
                before = measure(tree, args.corpus)
            finally:
                subprocess.run(["git", "-C", str(HERE.parent), "worktree", "remove", str(tree)])
    print(
        "| direction | services to migrate | migrated | share | baseline share | left, by code "
        "| not NVIDIA (CM508) |"
    )
    print("|---|---|---|---|---|---|---|")
    for direction, row in now.items():
        total, done = int(str(row["total"])), int(str(row["done"]))
        old = before.get(direction)
        old_share = f"{int(str(old['done'])) / max(int(str(old['total'])), 1):.1%}" if old else "-"
        reasons = row["left"]
        assert isinstance(reasons, dict)
        left = Counter({str(code): int(count) for code, count in reasons.items()})
        silent = total - done - sum(left.values())
        if silent:
            left["without a warning"] = silent
        codes = ", ".join(f"{code} {count}" for code, count in sorted(left.items())) or "-"
        share = f"{done / max(total, 1):.1%}"
        other = row.get("other", 0)
        print(
            f"| --to-{direction} | {total} | {done} | {share} | {old_share} | {codes} | {other} |"
        )


if __name__ == "__main__":
    main()
