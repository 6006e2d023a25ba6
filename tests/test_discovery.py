from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from pathspec import GitIgnoreSpec

from composemigrate import discovery
from composemigrate.discovery import Discovered, discover, read_repo_list


def tree(root: Path, *files: str, **contents: str) -> Path:
    """Create empty ``files`` (and ``name=content`` files, ``__`` standing for ``/``)."""
    for name in files:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).touch()
    for name, text in contents.items():
        path = root / name.replace("__", "/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def found(root: Path, paths: Sequence[Path] | None = None, **options: Any) -> list[str]:
    """The discovered paths relative to ``root``, as strings."""
    result = discover(paths or [root], **options)
    return [item.path.relative_to(root).as_posix() for item in result]


def test_compose_names(tmp_path: Path) -> None:
    tree(
        tmp_path,
        "compose.yaml",
        "a/compose.yml",
        "a/docker-compose.yaml",
        "b/docker-compose.yml",
        "b/compose.override.yaml",
        "b/docker-compose.override.yml",
        "c/compose.prod.yml",
        "c/docker-compose.gpu.yaml",
        "d/Compose.yaml",
        "d/DOCKER-COMPOSE.YML",
        "d/compose.json",
        "d/my-compose.yaml",
        "d/docker-compose.yaml.bak",
        "d/values.yaml",
        "d/app.py",
    )
    assert found(tmp_path) == [
        "a/compose.yml",
        "a/docker-compose.yaml",
        "b/compose.override.yaml",
        "b/docker-compose.override.yml",
        "b/docker-compose.yml",
        "c/compose.prod.yml",
        "c/docker-compose.gpu.yaml",
        "compose.yaml",
    ]


def test_python_files(tmp_path: Path) -> None:
    tree(tmp_path, "compose.yaml", "tools/run.py", "tools/run.pyc", "__pycache__/x.py")
    assert found(tmp_path) == ["compose.yaml"]
    assert found(tmp_path, python=True) == ["compose.yaml", "tools/run.py"]


def test_explicit_files_are_never_filtered(tmp_path: Path) -> None:
    tree(tmp_path, "node_modules/gpu.yml", "notes.txt", **{".gitignore": "*.txt\n"})
    given = [tmp_path / "node_modules/gpu.yml", tmp_path / "notes.txt", tmp_path / "absent.yaml"]
    assert found(tmp_path, given, exclude=["*.txt", "*.yml"]) == [
        "node_modules/gpu.yml",
        "notes.txt",
        "absent.yaml",
    ]


def test_include_and_exclude(tmp_path: Path) -> None:
    tree(
        tmp_path,
        "compose.yaml",
        "compose.override.yaml",
        "deploy/gpu.yml",
        "deploy/cpu.yml",
        "other/deploy/gpu.yml",
        "stack.yaml",
        "legacy/compose.yaml",
        "legacy/deep/compose.yaml",
    )
    assert found(tmp_path, include=["deploy/*.yml", "stack.yaml"]) == [
        "compose.override.yaml",
        "compose.yaml",
        "deploy/cpu.yml",
        "deploy/gpu.yml",
        "legacy/compose.yaml",
        "legacy/deep/compose.yaml",
        "stack.yaml",
    ]
    assert found(tmp_path, include=["gpu.yml"], exclude=["*.override.*", "legacy/"]) == [
        "compose.yaml",
        "deploy/gpu.yml",
        "other/deploy/gpu.yml",
    ]


def test_nested_gitignore(tmp_path: Path) -> None:
    tree(
        tmp_path,
        "compose.yaml",
        "compose.prod.yml",
        "build/compose.yaml",
        "sub/compose.yml",
        "sub/compose.prod.yml",
        "sub/deeper/compose.yml",
        "sub/cache/compose.yaml",
        "other/compose.yml",
        "other/cache/compose.yaml",
        **{
            ".gitignore": "# generated\nbuild\n*.prod.yml\n",
            "sub__.gitignore": "/compose.yml\n!compose.prod.yml\ncache/\n",
        },
    )
    assert found(tmp_path) == [
        "compose.yaml",
        "other/cache/compose.yaml",
        "other/compose.yml",
        "sub/compose.prod.yml",
        "sub/deeper/compose.yml",
    ]
    assert len(found(tmp_path, use_ignore=False)) == 9


def test_gitignore_of_the_walked_root_only_downwards(tmp_path: Path) -> None:
    tree(tmp_path, "repo/app/compose.yaml", **{".gitignore": "app/\n"})
    assert found(tmp_path) == []
    assert found(tmp_path, [tmp_path / "repo"]) == ["repo/app/compose.yaml"]


@pytest.mark.parametrize(
    "skipped",
    [".git", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".mypy_cache", "env"],
)
def test_skipped_directories(tmp_path: Path, skipped: str) -> None:
    tree(tmp_path, "compose.yaml", f"{skipped}/compose.yaml", "env/pyvenv.cfg")
    assert found(tmp_path) == ["compose.yaml"]


def test_given_directory_is_walked_even_if_its_name_is_skipped(tmp_path: Path) -> None:
    tree(tmp_path, "venv/compose.yaml")
    assert found(tmp_path, [tmp_path / "venv"]) == ["venv/compose.yaml"]


def test_symlink_loop_terminates(tmp_path: Path) -> None:
    tree(tmp_path, "compose.yaml", "a/compose.yaml")
    (tmp_path / "a" / "up").symlink_to("..")
    (tmp_path / "a" / "self").symlink_to(".")
    (tmp_path / "loop").symlink_to(tmp_path)
    assert found(tmp_path) == ["a/compose.yaml", "compose.yaml"]


def test_symlinks_out_of_the_tree_are_not_followed(tmp_path: Path) -> None:
    outside = tree(tmp_path / "outside", "compose.yaml", "gpu.yml")
    root = tree(tmp_path / "root", "compose.yaml")
    (root / "ext").symlink_to(outside)
    (root / "ext-file").mkdir()
    (root / "ext-file" / "compose.yaml").symlink_to(outside / "gpu.yml")
    (root / "root-link").symlink_to("/")
    assert found(root) == ["compose.yaml"]


def test_symlinks_inside_the_tree(tmp_path: Path) -> None:
    tree(tmp_path, "shared/gpu.yml", "real/compose.yaml", "real/docker-compose.yml")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "compose.yaml").symlink_to("../shared/gpu.yml")
    (tmp_path / "alias").symlink_to("real")
    (tmp_path / "real" / "compose.dev.yml").symlink_to("docker-compose.yml")
    (tmp_path / "dangling").mkdir()
    (tmp_path / "dangling" / "compose.yaml").symlink_to("nowhere.yml")
    assert found(tmp_path) == ["app/compose.yaml", "real/compose.yaml", "real/docker-compose.yml"]
    assert (tmp_path / "app/compose.yaml").is_symlink()


def test_link_to_a_directory_reached_only_through_it(tmp_path: Path) -> None:
    tree(tmp_path, "zz/store/compose.yaml", **{".gitignore": "zz/\n"})
    (tmp_path / "current").symlink_to("zz/store")
    assert found(tmp_path) == ["current/compose.yaml"]


def test_same_file_given_many_ways_comes_once(tmp_path: Path) -> None:
    tree(tmp_path, "a/compose.yaml", "b/compose.yaml")
    given = [
        tmp_path / "b",
        tmp_path / "a/compose.yaml",
        tmp_path,
        tmp_path / "a/../a/compose.yaml",
    ]
    assert found(tmp_path, given) == ["b/compose.yaml", "a/compose.yaml"]


def test_overlapping_arguments_keep_their_own_ignore_rules(tmp_path: Path) -> None:
    tree(
        tmp_path,
        "compose.yaml",
        "sub/compose.yaml",
        "sub/compose.prod.yml",
        "sub/link.yml",
        **{".gitignore": "*.prod.yml\n"},
    )
    (tmp_path / "sub/compose.dev.yml").symlink_to("compose.yaml")
    sub = tmp_path / "sub"
    assert found(tmp_path, [tmp_path, sub]) == [
        "compose.yaml",
        "sub/compose.yaml",
        "sub/compose.prod.yml",
    ]
    assert found(tmp_path, [sub, tmp_path, sub / "compose.yaml", sub / "compose.dev.yml"]) == [
        "sub/compose.prod.yml",
        "sub/compose.yaml",
        "compose.yaml",
    ]


def test_links_inside_a_linked_directory(tmp_path: Path) -> None:
    tree(tmp_path, "store/v1/compose.yaml", **{".gitignore": "store/\n"})
    (tmp_path / "store/v1/again").symlink_to("..")
    (tmp_path / "store/v1/docker-compose.gpu.yml").symlink_to("compose.yaml")
    (tmp_path / "current").symlink_to("store/v1")
    (tmp_path / "previous").symlink_to("store/v1")
    assert found(tmp_path) == ["current/compose.yaml"]


def test_discovery_is_lazy(tmp_path: Path) -> None:
    tree(tmp_path, "a/compose.yaml", "b/compose.yaml")
    walk = discover([tmp_path])
    assert next(walk).path == tmp_path / "a/compose.yaml"
    (tmp_path / "b/compose.yaml").rename(tmp_path / "b/compose.override.yaml")
    assert [item.path for item in walk] == [tmp_path / "b/compose.override.yaml"]


def test_repositories(tmp_path: Path) -> None:
    tree(
        tmp_path,
        "compose.yaml",
        "repo-a/.git/HEAD",
        "repo-a/compose.yaml",
        "repo-a/svc/deep/compose.yml",
        "repo-a/vendor/lib/.git/HEAD",
        "repo-a/vendor/lib/compose.yaml",
        **{"repo-b__.git": "gitdir: ../wt\n", "repo-b__compose.yaml": ""},
    )
    assert list(discover([tmp_path])) == [
        Discovered(tmp_path / "compose.yaml", None),
        Discovered(tmp_path / "repo-a/compose.yaml", tmp_path / "repo-a"),
        Discovered(tmp_path / "repo-a/svc/deep/compose.yml", tmp_path / "repo-a"),
        Discovered(tmp_path / "repo-a/vendor/lib/compose.yaml", tmp_path / "repo-a/vendor/lib"),
        Discovered(tmp_path / "repo-b/compose.yaml", tmp_path / "repo-b"),
    ]
    assert list(discover([tmp_path / "repo-a/svc"])) == [
        Discovered(tmp_path / "repo-a/svc/deep/compose.yml", tmp_path / "repo-a"),
    ]


def test_relative_paths_stay_relative(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree(tmp_path, "repo/.git/HEAD", "repo/compose.yaml")
    monkeypatch.chdir(tmp_path)
    expected = Discovered(Path("repo/compose.yaml"), tmp_path / "repo")
    assert list(discover([Path("repo")])) == [expected]


def test_read_repo_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/home/someone")
    listing = tmp_path / "lists" / "repos.txt"
    listing.parent.mkdir()
    listing.write_bytes(
        b"\xef\xbb\xbf# platform repos\r\n"
        b"repo-a\r\n"
        b"\r\n"
        b"  ../repo-b  \r\n"
        b"   # indented comment\n"
        b"/srv/repo-c\n"
        b"~/src/repo-d"
    )
    assert read_repo_list(listing) == [
        tmp_path / "lists/repo-a",
        tmp_path / "lists/../repo-b",
        Path("/srv/repo-c"),
        Path("/home/someone/src/repo-d"),
    ]


def test_read_repo_list_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_repo_list(tmp_path / "repos.txt")


RULES = [
    "node_modules/",
    "*.log",
    "!keep.log",
    "/build",
    "docs/**/draft.yaml",
    "a?c.yml",
    "[ab]*.yaml",
    "\\#literal",
    "deep/",
    "!deep/keep/",
    "**/cache",
    "x(y).yaml",
]
PATHS = [
    "compose.yaml",
    "app.log",
    "keep.log",
    "sub/keep.log",
    "build",
    "build/",
    "sub/build/",
    "docs/a/b/draft.yaml",
    "docs/draft.yaml",
    "abc.yml",
    "a/c.yml",
    "b-compose.yaml",
    "#literal",
    "deep/",
    "deep/keep/",
    "deep/keep/compose.yaml",
    "x/cache",
    "x(y).yaml",
    "node_modules/",
    "svc/node_modules/",
]


@pytest.mark.parametrize("rules", [RULES, RULES[:1], [], ["*"], ["!*"]], ids=str)
def test_the_joined_expression_finds_a_path_exactly_when_a_rule_does(rules: list[str]) -> None:
    """Where no rule matches, ``any_rule`` says so in one search; where one does, the rules
    decide as before. It must never miss a path some rule matches."""
    spec = GitIgnoreSpec.from_lines(rules)
    joined = discovery.any_rule(spec)
    assert joined is not None
    for path in PATHS:
        decided = spec.check_file(path).include is not None
        assert (joined.search(path) is not None) == decided, path
