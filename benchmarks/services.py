"""How the time to migrate one file grows with its number of services: it should grow linearly.

Times ``migrate`` (in this process, best of ``--repeat``) on one file of N legacy services for
each N, and prints each time per service and the growth against the smallest N: a ratio near 1.0
is linear, near N/N0 quadratic.

Usage: ``python benchmarks/services.py [--sizes 1000 2000 4000] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from composemigrate import migrate


def legacy(services: int) -> str:
    """Services with no list of their own, so the writer measures the layout of the document
    (one shared list at the end), the case that once made a file's time quadratic."""
    body = "".join(
        f"  s{index}:\n    image: nvidia/cuda\n    runtime: nvidia\n" for index in range(services)
    )
    return "services:\n" + body + "volumes:\n  data:\n    labels:\n      - a\n"


def seconds(text: str, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        migrate(text, "devices")
        best = min(best, time.perf_counter() - start)
    return best


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000, 4000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    base: float | None = None
    print(f"{'services':>8}  {'seconds':>8}  {'ms/service':>10}  {'growth':>6}")
    for size in args.sizes:
        taken = seconds(legacy(size), args.repeat)
        per = taken / size
        base = base or per
        print(f"{size:>8}  {taken:8.2f}  {per * 1000:10.3f}  {per / base:5.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
