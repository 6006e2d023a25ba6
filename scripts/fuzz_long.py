"""The long fuzzing run: the properties of ``tests/test_fuzz.py`` over 100,000 generated files.

    python scripts/fuzz_long.py                      # 100,000 files, every CPU, ~30 min on 2
    python scripts/fuzz_long.py --examples 2000 -j 1 # a quick look

Each example is one generated Compose file migrated in one drawn direction, then checked for
every property (no error, output parses, same GPUs, non-GPU data equal, comments kept, BOM/CRLF/
final newline kept, idempotent, no service silently left in another form, there and back again).
A tenth as many broken files (no crash) and documented refusals (left alone) run beside them, and
Docker Compose itself checks one file in 200. Unlike the test suite, a failure does not stop the
run: each distinct failure is counted and its shortest example kept, and the figures at the end
are the ones README's "Reliability" section records. Exit status 1 when anything failed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent / "tests"
sys.path.insert(0, str(TESTS))

from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from strategies import (  # noqa: E402
    DIRECTIONS,
    Doc,
    broken_documents,
    documents,
    refused_documents,
)
from test_fuzz import (  # noqa: E402
    check_compose_agrees,
    check_no_crash,
    check_refused,
    check_rewrite,
    check_round_trip,
)

COMPOSE_EVERY = 200


@dataclass
class Tally:
    """What one worker saw: examples per kind, and each distinct failure with its shortest text."""

    examples: Counter[str] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    shortest: dict[str, str] = field(default_factory=dict)

    def check(self, kind: str, text: str, run: Callable[[], object]) -> None:
        self.examples[kind] += 1
        try:
            run()
        except Exception as exc:  # every failure is counted, none stops the run
            first = str(exc).strip().split("\n")[0][:100]
            name = f"{kind}: {type(exc).__name__}: {first}"
            self.failures[name] += 1
            if name not in self.shortest or len(text) < len(self.shortest[name]):
                self.shortest[name] = text

    def add(self, other: Tally) -> None:
        self.examples.update(other.examples)
        self.failures.update(other.failures)
        for name, text in other.shortest.items():
            if name not in self.shortest or len(text) < len(self.shortest[name]):
                self.shortest[name] = text


def _settings(count: int) -> settings:
    return settings(
        max_examples=count,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )


def work(count: int, worker_seed: int, compose: bool) -> Tally:
    """``count`` files, ``count // 10`` broken ones and as many refusals, from ``worker_seed``."""
    tally = Tally()

    @seed(worker_seed)
    @_settings(count)
    @given(doc=documents(), order=st.permutations(DIRECTIONS))
    def files(doc: Doc, order: list[str]) -> None:
        text = doc.text
        first, second = order[:2]
        kind = f"rewrite to {first}, then {second}"

        def both() -> None:
            check_round_trip(text, check_rewrite(text, first), first, second)

        tally.check(kind, text, both)
        if compose and tally.examples[kind] % COMPOSE_EVERY == 0:
            tally.check(
                f"compose agrees, to {first}", text, lambda: check_compose_agrees(text, first)
            )

    @seed(worker_seed + 1)
    @_settings(max(count // 10, 1))
    @given(doc=broken_documents(), direction=st.sampled_from(DIRECTIONS))
    def broken(doc: Doc, direction: str) -> None:
        tally.check(f"broken, to {direction}", doc.text, lambda: check_no_crash(doc, direction))

    @seed(worker_seed + 2)
    @_settings(max(count // 10, 1))
    @given(data=st.data(), direction=st.sampled_from(DIRECTIONS))
    def refused(data: st.DataObject, direction: str) -> None:
        found = data.draw(refused_documents(direction))
        tally.check(f"refused, to {direction}", found.text, lambda: check_refused(found, direction))

    for run in (files, broken, refused):
        run()
    return tally


def report(tally: Tally, seconds: float) -> str:
    """The figures: examples by kind, failures by kind, and the shortest example of each."""
    lines = [f"fuzz run: {sum(tally.examples.values()):,} examples in {seconds / 60:.1f} min"]
    for kind, count in sorted(tally.examples.items()):
        failed = sum(n for name, n in tally.failures.items() if name.startswith(kind + ":"))
        lines.append(f"  {kind:<36} {count:>8,} checked {failed:>6,} failed")
    lines.append(f"distinct failures: {len(tally.failures)}")
    for name, count in tally.failures.most_common():
        lines.append(f"  {count:>6,} x {name}")
        lines.append(f"           shortest: {tally.shortest[name]!r}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=100_000, help="files to generate")
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, default=20_251_125)
    parser.add_argument("--no-compose", action="store_true", help="skip the Compose sample")
    args = parser.parse_args(argv)
    shares = [
        args.examples // args.jobs + (n < args.examples % args.jobs) for n in range(args.jobs)
    ]
    start = time.perf_counter()
    total = Tally()
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        runs = [
            pool.submit(work, share, args.seed + 1000 * n, not args.no_compose)
            for n, share in enumerate(shares)
        ]
        for done in runs:
            total.add(done.result())
    print(report(total, time.perf_counter() - start))
    return 1 if total.failures else 0


if __name__ == "__main__":
    sys.exit(main())
