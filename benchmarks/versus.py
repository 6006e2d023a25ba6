"""This tree's ``composemigrate --check`` against an earlier revision's, side by side on one fleet.

Both run from source (``PYTHONPATH``, each tree byte-compiled first), one job each by default so the
figures are the work itself, in the same fresh wrapper as ``bench.py``; the earlier revision is
checked out in a temporary git worktree. The ratio is this tree's time over the revision's: above 1
means slower.

Usage: ``python benchmarks/versus.py REV [--repos 100] [--files 50] [--repeat 3] [--jobs 1]``
"""

from __future__ import annotations

import argparse
import compileall
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import fleet
from bench import make_fleet, measure, table

HERE = Path(__file__).resolve().parent


def check(source: Path, root: Path, jobs: int) -> list[str]:
    """The ``--check`` command of the tree at ``source`` over ``root``."""
    command = [sys.executable, "-m", "composemigrate", "--to-devices", "--check", "-q"]
    return ["env", f"PYTHONPATH={source / 'src'}", *command, "--jobs", str(jobs), str(root)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("revision", help="the earlier git revision to compare with")
    parser.add_argument("--repos", type=int, default=100)
    parser.add_argument("--files", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=1, help="worker processes of each run")
    args = parser.parse_args(argv)
    repo = HERE.parent
    with tempfile.TemporaryDirectory(prefix="versus-") as work:
        workdir = Path(work)
        where = make_fleet(workdir, "fleet", fleet.Spec(args.repos, args.files))
        tree = workdir / "earlier"
        subprocess.run(
            ["git", "-C", str(repo), "worktree", "add", "-q", "--detach", str(tree), args.revision],
            check=True,
        )
        try:
            for source in (tree, repo):  # as installing does: no run compiles the sources
                compileall.compile_dir(source / "src", quiet=1)
            before, after = check(tree, where.root, args.jobs), check(repo, where.root, args.jobs)
            earlier = measure(f"at {args.revision}", before, (0, 1), args.repeat)
            now = measure("this tree", after, (0, 1), args.repeat)
        finally:
            subprocess.run(["git", "-C", str(repo), "worktree", "remove", "--force", str(tree)])
    print(f"{len(where.files)} files, jobs {args.jobs}, median of {args.repeat}")
    print(table([earlier, now], baseline=earlier))
    print(
        f"this tree / {args.revision}: wall {now.wall / earlier.wall:.2f}x, "
        f"cpu {now.cpu / earlier.cpu:.2f}x, peak memory {now.rss_kib / earlier.rss_kib:.2f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
