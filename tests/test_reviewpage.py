"""``--report html``: the review page of a real batch over real git repositories, loaded in a real
headless browser (Debian's chromium; ``.ci/run`` installs it when missing)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from clirun import cli, git_repo
from gitenv import bare_git  # noqa: F401  (a git without the user's configuration)

LEGACY = (
    "services:\n  train:\n    image: nvidia/cuda\n    runtime: nvidia\n    environment:\n"
    "      - NVIDIA_VISIBLE_DEVICES=0,1\n"
)
REFUSED = "services:\n  job:\n    image: nvidia/cuda\n    runtime: ${RUNTIME}\n"
HOSTILE = (
    "services:\n  '<script>alert(1)</script>':\n    image: x\n    runtime: ${RUNTIME:-nvidia}\n"
)


def _browser() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("no chromium: .ci/run installs Debian's chromium package")
        pytest.skip("no chromium on PATH")
    return found


def _chromium(*args: str) -> subprocess.CompletedProcess[str]:
    command = [_browser(), "--headless", "--no-sandbox", "--disable-gpu", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture
def page(tmp_path: Path) -> Path:
    for name, files in {
        "trainer": {"compose.yaml": LEGACY},
        "infer": {"compose.yaml": REFUSED, "docker-compose.yml": HOSTILE},
        "web": {"compose.yaml": "services:\n  web:\n    image: nginx  # no gpu here\n"},
    }.items():
        git_repo(tmp_path / name, files)
    done = cli(
        tmp_path, "--to-devices", "--check", "--report", "html", "--report-file", "review.html", "."
    )
    assert done.returncode == 1, done.stderr
    assert done.stdout == ""
    return tmp_path / "review.html"


def test_the_page_needs_nothing_from_the_network(page: Path) -> None:
    text = page.read_text()
    assert "http://" not in text and "https://" not in text and " src=" not in text
    assert "<script>alert(1)</script>" not in text


def test_a_browser_shows_totals_diffs_and_filters(page: Path, tmp_path: Path) -> None:
    dom = _chromium("--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr
    html = dom.stdout
    assert '<span id="total-changed">changed: <b>1</b></span>' in html
    assert '<span id="total-skipped">skipped: <b>2</b></span>' in html
    assert '<span class="add">+    deploy:</span>' in html
    assert '<span class="del">-    runtime: nvidia</span>' in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<option value="CM504">CM504</option>' in html
    # the page's script ran: unchanged files start filtered out, and so does a repository
    # that has nothing else to show
    assert 'class="file unchanged hidden"' in html
    assert 'class="repo hidden"' in html
    shot = tmp_path / "review.png"
    done = _chromium(
        "--hide-scrollbars", "--window-size=1100,800", f"--screenshot={shot}", page.as_uri()
    )
    assert done.returncode == 0, done.stderr
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
