"""Generate a synthetic fleet of repositories full of Compose files, for the benchmark.

A platform team's fleet is mostly Compose files with no GPU at all; a few ask for GPUs in every
form users write (legacy runtime with list or mapping environment, device reservations, ``gpus:``,
anchors merged with ``<<``, comments on the GPU lines), and a few mention nvidia or gpu without
asking for one (decoys: they pass the cheap text gate and must be parsed). The same spec and seed
always give the same bytes, so figures from two runs or two machines compare.

Usage: ``python benchmarks/fleet.py OUT [--repos 200] [--files 50] [--gpu-share 0.05] [--seed 1]``
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

GPU_FORMS = ("runtime-list", "runtime-map", "devices", "gpus", "anchor", "commented")
"""The GPU forms a fleet holds; GPU files take them in turn, so every form is present once the
fleet has at least as many GPU files as forms."""

PLAIN, DECOY = "plain", "decoy"

FILE_NAMES = (
    "compose.yaml",
    "docker-compose.yml",
    "compose.override.yaml",
    "docker-compose.prod.yml",
)
"""Names a directory of a repository holds, in this order (all found by discovery)."""

REPO_FILES = {
    ".gitignore": "node_modules/\n*.log\n.env\nbuild/\n",
    "README.md": "# Service stack\n\nLocal development: `docker compose up`.\n",
}
"""Files besides the Compose files in every repository (``.git/`` marks it as a repository)."""

PADDING = (0, 1, 1, 2, 2, 3, 4, 6, 8, 12, 20)
"""How many ordinary services a file holds besides its GPU ones: most are small, a few large."""

_PLAIN_IMAGES = ("nginx:1.25-alpine", "postgres:16", "redis:7", "python:3.12-slim", "node:20")
_GPU_IMAGES = (
    "nvcr.io/nvidia/pytorch:24.05-py3",
    "pytorch/pytorch:2.3.0-cuda12.1-cudnn8-runtime",
    "tensorflow/tensorflow:2.16.1-gpu",
    "ollama/ollama:0.3.0",
    "vllm/vllm-openai:v0.5.0",
)
_DEVICES = ("all", "0", "0,1", "1", "1,3", "GPU-3a2b1c9e-5d6f-4e1a-8b7c-2f0e9d8c7b6a")
_CAPABILITIES = (None, None, "compute,utility", "compute,utility,video", "all")


@dataclass(frozen=True)
class Spec:
    """What to generate: ``repos`` repositories of ``files`` Compose files each."""

    repos: int = 200
    files: int = 50
    gpu_share: float = 0.05
    decoy_share: float = 0.02
    seed: int = 1


@dataclass(frozen=True)
class FleetFile:
    """One generated file: its path under the fleet root and its kind (a GPU form, plain, decoy)."""

    path: Path
    kind: str
    text: str


def plan(spec: Spec) -> list[FleetFile]:
    """Every Compose file of the fleet, repository by repository; pure, so tests need no disk."""
    rng = random.Random(spec.seed)
    total = spec.repos * spec.files
    picked = rng.sample(range(total), round(total * (spec.gpu_share + spec.decoy_share)))
    n_gpu = round(total * spec.gpu_share)
    kinds = {index: DECOY for index in picked[n_gpu:]}
    kinds.update(
        {index: GPU_FORMS[n % len(GPU_FORMS)] for n, index in enumerate(sorted(picked[:n_gpu]))}
    )
    fleet = []
    for index in range(total):
        repo, slot = divmod(index, spec.files)
        directory, name = divmod(slot, len(FILE_NAMES))
        kind = kinds.get(index, PLAIN)
        path = Path(f"repo-{repo:03d}", f"svc-{directory:02d}", FILE_NAMES[name])
        fleet.append(FleetFile(path, kind, render(random.Random(f"{spec.seed}/{index}"), kind)))
    return fleet


def render(rng: random.Random, kind: str) -> str:
    """The text of one Compose file of ``kind``."""
    head = ['version: "3.8"', ""] if rng.random() < 0.3 else []
    body = ["services:"]
    if kind in GPU_FORMS:
        anchors, services = _GPU_WRITERS[kind](rng, rng.randint(1, 3))
        head += anchors
        body += services
    for n in range(rng.choice(PADDING) + (kind not in GPU_FORMS)):
        body += _plain_service(rng, n, decoy=kind == DECOY and n == 0)
    tail = ["", "volumes:", "  data: {}", "", "networks:", "  backend:", "    driver: bridge"]
    return "\n".join([*head, *body, *(tail if rng.random() < 0.5 else [])]) + "\n"


def _plain_service(rng: random.Random, n: int, decoy: bool) -> list[str]:
    name = f"{rng.choice(('web', 'api', 'worker', 'db', 'cache', 'proxy'))}-{n}"
    lines = [f"  {name}:", f"    image: {rng.choice(_PLAIN_IMAGES)}"]
    if decoy:
        lines = [
            "  # CPU only here: the gpu variant of this stack lives in another repository",
            f"  {name}:",
            "    image: nvidia/cuda:12.4.1-base-ubuntu22.04",
        ]
    lines += ["    restart: unless-stopped"] if rng.random() < 0.6 else []
    if rng.random() < 0.5:
        lines += ["    ports:", f'      - "{8000 + n}:{80 + n}"']
    lines += _environment(rng, {"LOG_LEVEL": "info", "TZ": "UTC"}, list_form=rng.random() < 0.5)
    if rng.random() < 0.5:
        lines += ["    volumes:", f"      - ./data/{name}:/var/lib/{name}"]
    if rng.random() < 0.4:
        lines += [
            "    healthcheck:",
            '      test: ["CMD", "curl", "-f", "http://localhost/health"]',
            "      interval: 30s",
            "      retries: 3",
        ]
    if rng.random() < 0.3:
        lines += ["    labels:", '      com.example.team: "platform"  # owner']
    return lines


def _environment(rng: random.Random, values: dict[str, str], list_form: bool) -> list[str]:
    if not values:
        return []
    if list_form:
        return ["    environment:", *(f"      - {key}={value}" for key, value in values.items())]
    return ["    environment:", *(f'      {key}: "{value}"' for key, value in values.items())]


def _nvidia_env(rng: random.Random) -> dict[str, str]:
    env = {"NVIDIA_VISIBLE_DEVICES": rng.choice(_DEVICES)}
    capabilities = rng.choice(_CAPABILITIES)
    if capabilities:
        env["NVIDIA_DRIVER_CAPABILITIES"] = capabilities
    if rng.random() < 0.5:
        env["TZ"] = "UTC"
    return env


def _gpu_head(rng: random.Random, n: int) -> list[str]:
    return [f"  trainer-{n}:", f"    image: {rng.choice(_GPU_IMAGES)}"]


def _runtime(list_form: bool) -> Callable[[random.Random, int], tuple[list[str], list[str]]]:
    def write(rng: random.Random, services: int) -> tuple[list[str], list[str]]:
        lines = []
        for n in range(services):
            lines += [*_gpu_head(rng, n), "    runtime: nvidia"]
            lines += _environment(rng, _nvidia_env(rng), list_form)
        return [], lines

    return write


def _devices(rng: random.Random, services: int) -> tuple[list[str], list[str]]:
    lines = []
    for n in range(services):
        ask = rng.choice(("count: all", "count: 1", "count: 2", "device_ids: ['0', '3']"))
        lines += [*_gpu_head(rng, n), "    deploy:", "      resources:"]
        lines += ["        limits:", "          memory: 16G"] if rng.random() < 0.4 else []
        lines += [
            "        reservations:",
            "          devices:",
            "            - driver: nvidia",
            f"              {ask}",
            f"              capabilities: [{rng.choice(('gpu', 'gpu, utility', 'gpu, compute'))}]",
        ]
    return [], lines


def _gpus(rng: random.Random, services: int) -> tuple[list[str], list[str]]:
    lines = []
    for n in range(services):
        lines += _gpu_head(rng, n)
        if rng.random() < 0.5:
            lines += ["    gpus: all"]
        else:
            lines += ["    gpus:", "      - driver: nvidia", f"        count: {rng.randint(1, 4)}"]
    return [], lines


def _anchor(rng: random.Random, services: int) -> tuple[list[str], list[str]]:
    anchor = ["x-gpu: &gpu", "  runtime: nvidia"]
    anchor += [line[2:] for line in _environment(rng, _nvidia_env(rng), rng.random() < 0.5)]
    lines = []
    for n in range(services):
        lines += [f"  trainer-{n}:", "    <<: *gpu", f"    image: {rng.choice(_GPU_IMAGES)}"]
    return [*anchor, ""], lines


def _commented(rng: random.Random, services: int) -> tuple[list[str], list[str]]:
    lines = []
    for n in range(services):
        lines += [
            *_gpu_head(rng, n),
            "    # GPU hosts only (see the runbook)",
            "    runtime: nvidia  # legacy: move to device reservations",
            "    environment:",
            "      # pinned so jobs do not share cards",
            f"      - NVIDIA_VISIBLE_DEVICES={rng.choice(_DEVICES)}  # set by ops",
            "      - TZ=UTC",
        ]
    return [], lines


_GPU_WRITERS: dict[str, Callable[[random.Random, int], tuple[list[str], list[str]]]] = {
    "runtime-list": _runtime(list_form=True),
    "runtime-map": _runtime(list_form=False),
    "devices": _devices,
    "gpus": _gpus,
    "anchor": _anchor,
    "commented": _commented,
}


def write(root: Path, fleet: Sequence[FleetFile]) -> None:
    """Write the fleet under ``root``: every repository gets ``.git/`` and the ``REPO_FILES``."""
    for repo in sorted({item.path.parts[0] for item in fleet}):
        (root / repo / ".git").mkdir(parents=True, exist_ok=True)
        for name, text in REPO_FILES.items():
            (root / repo / name).write_text(text, encoding="utf-8")
    for item in fleet:
        target = root / item.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(item.text, encoding="utf-8")


def summary(fleet: Sequence[FleetFile]) -> str:
    kinds = Counter(item.kind for item in fleet)
    forms = ", ".join(f"{form} {kinds[form]}" for form in GPU_FORMS)
    gpu = sum(kinds[form] for form in GPU_FORMS)
    repos = len({item.path.parts[0] for item in fleet})
    return (
        f"{len(fleet)} Compose files in {repos} repositories: {gpu} with GPUs ({forms}), "
        f"{kinds[DECOY]} decoys, {kinds[PLAIN]} plain"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="directory to create (must not exist or be empty)")
    parser.add_argument("--repos", type=int, default=Spec.repos)
    parser.add_argument("--files", type=int, default=Spec.files, help="Compose files per repo")
    parser.add_argument("--gpu-share", type=float, default=Spec.gpu_share)
    parser.add_argument("--decoy-share", type=float, default=Spec.decoy_share)
    parser.add_argument("--seed", type=int, default=Spec.seed)
    args = parser.parse_args(argv)
    if args.out.exists() and any(args.out.iterdir()):
        parser.error(f"{args.out} is not empty")
    if not 0 <= args.gpu_share + args.decoy_share <= 1:
        parser.error("--gpu-share plus --decoy-share must lie between 0 and 1")
    spec = Spec(args.repos, args.files, args.gpu_share, args.decoy_share, args.seed)
    fleet = plan(spec)
    write(args.out, fleet)
    print(f"{args.out}: {summary(fleet)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
