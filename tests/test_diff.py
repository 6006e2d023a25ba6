from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from composemigrate.diff import unified_diff

HEAD = "--- a/compose.yaml\n+++ b/compose.yaml\n"
TEN = "".join(f"l{n}\n" for n in range(1, 11))

CASES = [
    pytest.param(
        TEN,
        TEN.replace("l5\n", "L5\n"),
        HEAD + "@@ -2,7 +2,7 @@\n l2\n l3\n l4\n-l5\n+L5\n l6\n l7\n l8\n",
        id="middle-three-lines-context",
    ),
    pytest.param(
        TEN + TEN,
        (TEN + TEN).replace("l1\n", "L1\n", 1).replace("l10\n", "L10\n", 1),
        HEAD
        + "@@ -1,4 +1,4 @@\n-l1\n+L1\n l2\n l3\n l4\n"
        + "@@ -7,7 +7,7 @@\n l7\n l8\n l9\n-l10\n+L10\n l1\n l2\n l3\n",
        id="two-hunks",
    ),
    pytest.param(
        TEN,
        TEN.replace("l2\n", "L2\n").replace("l8\n", "L8\n"),
        HEAD + "@@ -1,10 +1,10 @@\n l1\n-l2\n+L2\n l3\n l4\n l5\n l6\n l7\n-l8\n+L8\n l9\n l10\n",
        id="gap-of-six-joins-hunks",
    ),
    pytest.param(
        "a: 1\nb: 2",
        "a: 1\nb: 3",
        HEAD + "@@ -1,2 +1,2 @@\n a: 1\n-b: 2\n\\ No newline at end of file\n+b: 3\n"
        "\\ No newline at end of file\n",
        id="no-final-newline-both",
    ),
    pytest.param(
        "a: 1\nb: 2",
        "a: 0\nb: 2",
        HEAD + "@@ -1,2 +1,2 @@\n-a: 1\n+a: 0\n b: 2\n\\ No newline at end of file\n",
        id="no-final-newline-in-context",
    ),
    pytest.param(
        "a: 1\nb: 2",
        "a: 1\nb: 2\n",
        HEAD + "@@ -1,2 +1,2 @@\n a: 1\n-b: 2\n\\ No newline at end of file\n+b: 2\n",
        id="newline-added",
    ),
    pytest.param(
        "a: 1\n",
        "a: 1",
        HEAD + "@@ -1 +1 @@\n-a: 1\n+a: 1\n\\ No newline at end of file\n",
        id="newline-removed",
    ),
    pytest.param(
        "a: 1\r\nb: 2\r\nc: 3\r\n",
        "a: 1\r\nb: 9\r\nc: 3\r\n",
        HEAD + "@@ -1,3 +1,3 @@\n a: 1\r\n-b: 2\r\n+b: 9\r\n c: 3\r\n",
        id="crlf",
    ),
    pytest.param(
        "a: 1\r\nb: 2",
        "a: 1\r\nb: 2\r\nc: 3",
        HEAD + "@@ -1,2 +1,3 @@\n a: 1\r\n-b: 2\n\\ No newline at end of file\n+b: 2\r\n+c: 3\n"
        "\\ No newline at end of file\n",
        id="crlf-no-final-newline",
    ),
    pytest.param(
        "\ufeffa: 1\nb: 2\n",
        "\ufeffa: 1\nb: 3\n",
        HEAD + "@@ -1,2 +1,2 @@\n \ufeffa: 1\n-b: 2\n+b: 3\n",
        id="bom",
    ),
    pytest.param(
        "a: 'x\u2028y\x85z\x0cw\x1c'\nb: 1\n",
        "a: 'x\u2028y\x85z\x0cw\x1c'\nb: 2\n",
        HEAD + "@@ -1,2 +1,2 @@\n a: 'x\u2028y\x85z\x0cw\x1c'\n-b: 1\n+b: 2\n",
        id="unicode-line-separators-are-not-newlines",
    ),
    pytest.param("", "a: 1\n", HEAD + "@@ -0,0 +1 @@\n+a: 1\n", id="from-empty"),
    pytest.param("a: 1\nb: 2\n", "", HEAD + "@@ -1,2 +0,0 @@\n-a: 1\n-b: 2\n", id="to-empty"),
    pytest.param(
        "a: 1\nb: 2\n",
        "a: 1\nx: 0\nb: 2\n",
        HEAD + "@@ -1,2 +1,3 @@\n a: 1\n+x: 0\n b: 2\n",
        id="insertion",
    ),
]


@pytest.mark.parametrize(("old", "new", "expected"), CASES)
def test_exact_output(old: str, new: str, expected: str) -> None:
    assert unified_diff("compose.yaml", old, new) == expected


@pytest.mark.skipif(shutil.which("diff") is None, reason="no diff binary")
@pytest.mark.parametrize(("old", "new", "expected"), CASES)
def test_same_as_gnu_diff(tmp_path: Path, old: str, new: str, expected: str) -> None:
    (tmp_path / "old").write_bytes(old.encode())
    (tmp_path / "new").write_bytes(new.encode())
    labels = ["--label", "a/compose.yaml", "--label", "b/compose.yaml"]
    gnu = subprocess.run(
        ["diff", "-u", *labels, "old", "new"], cwd=tmp_path, capture_output=True, check=False
    )
    assert gnu.stdout.decode() == expected


def apply_with_patch(directory: Path, diff: str) -> None:
    subprocess.run(
        ["patch", "-p1", "-s", "--no-backup-if-mismatch"],
        cwd=directory,
        input=diff.encode(),
        check=True,
    )


def apply_with_git(directory: Path, diff: str) -> None:
    subprocess.run(["git", "init", "-q"], cwd=directory, check=True)
    subprocess.run(
        ["git", "apply", "--whitespace=nowarn"], cwd=directory, input=diff.encode(), check=True
    )


APPLIERS = [
    pytest.param(apply_with_patch, "patch", id="patch"),
    pytest.param(apply_with_git, "git", id="git-apply"),
]


@pytest.mark.parametrize(("apply", "binary"), APPLIERS)
@pytest.mark.parametrize(("old", "new", "expected"), CASES)
def test_applies_back_to_new(
    tmp_path: Path,
    apply: Callable[[Path, str], None],
    binary: str,
    old: str,
    new: str,
    expected: str,
) -> None:
    if shutil.which(binary) is None:
        pytest.skip(f"no {binary} binary")
    target = tmp_path / "compose.yaml"
    target.write_bytes(old.encode())
    apply(tmp_path, unified_diff("compose.yaml", old, new))
    assert target.read_bytes() == new.encode()


def test_equal_texts_give_nothing() -> None:
    assert unified_diff("compose.yaml", "a: 1\r\n", "a: 1\r\n") == ""


@pytest.mark.parametrize(
    ("path", "header"),
    [
        ("/srv/app/compose.yaml", "--- a/srv/app/compose.yaml\n+++ b/srv/app/compose.yaml\n"),
        ("-", "--- a/-\n+++ b/-\n"),
        ("sub/compose.yml", "--- a/sub/compose.yml\n+++ b/sub/compose.yml\n"),
    ],
)
def test_headers(path: str, header: str) -> None:
    assert unified_diff(path, "a\n", "b\n") == header + "@@ -1 +1 @@\n-a\n+b\n"


def test_colour() -> None:
    diff = unified_diff("c.yaml", "a\nb", "a\nc", color=True)
    assert diff == (
        "\x1b[1m--- a/c.yaml\x1b[0m\n"
        "\x1b[1m+++ b/c.yaml\x1b[0m\n"
        "\x1b[36m@@ -1,2 +1,2 @@\x1b[0m\n"
        " a\n"
        "\x1b[31m-b\x1b[0m\n"
        "\\ No newline at end of file\n"
        "\x1b[32m+c\x1b[0m\n"
        "\\ No newline at end of file\n"
    )


texts = st.lists(st.sampled_from(["a", "b", "c", "\r", "\n", "\u2028", " "]), max_size=40).map(
    "".join
)


@pytest.mark.skipif(shutil.which("patch") is None, reason="no patch binary")
@settings(max_examples=60, deadline=None)
@given(old=texts, new=texts)
def test_patch_reproduces_any_text(old: str, new: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "f.txt"
        target.write_bytes(old.encode())
        diff = unified_diff("f.txt", old, new)
        if diff:
            apply_with_patch(Path(folder), diff)
        assert target.read_bytes() == new.encode()
