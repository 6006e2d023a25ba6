"""How long the review page of a large batch takes to open, side by side with a one-file page.

A real batch (``benchmarks/fleet.py``, default 10,000 files with a GPU share of 0.05) is run with
``--check --report html``; then a headless chromium loads the page and dumps its DOM once the
page's script has run (filters applied), and the same for the page of a one-file batch. Printed:
the page size, the seconds to write it, and the seconds to open each page, with the ratio.

Usage: ``python benchmarks/reviewpage.py [--repos 200] [--files 50] [--gpu-share 0.05]``
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _page(folder: Path, target: Path, *paths: str) -> float:
    start = time.perf_counter()
    flags = ["--to-devices", "--check", "-q", "--report", "html", "--report-file", str(target)]
    subprocess.run(
        [sys.executable, "-m", "composemigrate", *flags, *paths],
        cwd=folder,
        capture_output=True,
        check=False,
    )
    return time.perf_counter() - start


def _open(browser: str, page: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", page.as_uri()],
        capture_output=True,
        check=True,
        timeout=600,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", type=int, default=200)
    parser.add_argument("--files", type=int, default=50)
    parser.add_argument("--gpu-share", type=float, default=0.05)
    args = parser.parse_args()
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        sys.exit("needs chromium on PATH")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        fleet = work / "fleet"
        shape = ["--repos", str(args.repos), "--files", str(args.files)]
        shape += ["--gpu-share", str(args.gpu_share)]
        subprocess.run(
            [sys.executable, str(HERE / "fleet.py"), str(fleet), *shape],
            check=True,
            capture_output=True,
        )
        files = sum(1 for path in fleet.rglob("*") if path.is_file())
        big, small = work / "big.html", work / "small.html"
        write = _page(fleet, big, ".")
        one = next(path for path in fleet.rglob("*.y*ml"))
        _page(fleet, small, str(one.relative_to(fleet)))
        _open(browser, small)  # a first start warms the browser's own files
        open_small = min(_open(browser, small) for _ in range(3))
        open_big = min(_open(browser, big) for _ in range(3))
        size = big.stat().st_size
    print(f"files in the batch: {files}")
    print(f"page: {size} bytes, batch and page written in {write:.2f} s")
    print(f"open one-file page: {open_small:.2f} s")
    print(f"open {files}-file page: {open_big:.2f} s ({open_big / open_small:.2f}x)")


if __name__ == "__main__":
    main()
