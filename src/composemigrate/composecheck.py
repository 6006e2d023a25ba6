"""``--verify-with-compose``: the user's own Docker Compose reads every set a rewritten file is
part of, before and after, and the rewrite is written only when each service asks for the same
GPUs in both.

Compose is asked with ``config --format json`` (no daemon needed), the rewritten text on standard
input in the place the file has in its set, so the files on disk are never touched to check.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from composemigrate.forms import cdi
from composemigrate.gpu import CAPABILITIES, VISIBLE, GpuRequest, Unsupported, from_environment
from composemigrate.result import MigrationError

TIMEOUT = 120
"""Seconds one ``config`` run may take: it reads files, it does not talk to a daemon."""


def find(given: str) -> tuple[str, ...] | None:
    """The command that runs Compose: ``given`` (a ``docker`` binary gets ``compose``), else
    ``docker compose`` or ``docker-compose`` from ``PATH``; None when there is none."""
    if given:
        runnable = os.path.isfile(given) and os.access(given, os.X_OK)
        path = shutil.which(given) or (given if runnable else None)
        if path is None:
            return None
        return (path, "compose") if Path(path).name == "docker" else (path,)
    docker = shutil.which("docker")
    if docker and _runs((docker, "compose", "version")):
        return (docker, "compose")
    standalone = shutil.which("docker-compose")
    return (standalone,) if standalone else None


def _runs(command: Sequence[str]) -> bool:
    try:
        done = subprocess.run(command, capture_output=True, timeout=TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def check(
    compose: Sequence[str], path: Path, old: str, new: str, sets: Sequence[Sequence[Path]]
) -> None:
    """Raise ``MigrationError`` unless Compose reads the same GPUs for every service of every
    set in ``sets`` (each holding ``path``) with ``old`` and with ``new`` as its text."""
    for files in sets:
        before = _gpus(compose, path, old, files)
        after = _gpus(compose, path, new, files)
        for name in sorted(before.keys() | after.keys()):
            if before.get(name) != after.get(name):
                shown = " + ".join(file.name for file in files)
                raise MigrationError(
                    f"docker compose reads other GPUs for service {name!r} after the rewrite "
                    f"({shown}): {before.get(name)} before, {after.get(name)} after; "
                    "file left unchanged"
                )


def _gpus(
    compose: Sequence[str], path: Path, text: str, files: Sequence[Path]
) -> dict[str, object]:
    flags = [part for file in files for part in ("-f", "-" if file == path else str(file))]
    folder = ["--project-directory", str(path.parent), "-p", "composemigrate-check"]
    command = [*compose, *folder, *flags, "--profile", "*"]
    try:
        done = subprocess.run(
            [*command, "config", "--format", "json"],
            input=text,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        message = f"docker compose could not be run ({exc}); file left unchanged"
        raise MigrationError(message) from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if "level=warning" not in line]
        reason = lines[-1] if lines else f"exit {done.returncode}"
        raise MigrationError(f"docker compose cannot read it ({reason}); file left unchanged")
    model: dict[str, Any] = json.loads(done.stdout)
    return {name: effects(service) for name, service in (model.get("services") or {}).items()}


def effects(service: dict[str, Any]) -> object:
    """What the engine does for one service of Compose's model, as ``rewrite`` reads a file:
    a request decides the GPUs, the environment's capabilities apply to one that names none."""
    env = service.get("environment") or {}
    devices = ((service.get("deploy") or {}).get("resources") or {}).get("reservations") or {}
    requests: list[GpuRequest | Unsupported] = [
        _request(entry, ())
        for entry in devices.get("devices") or []
        if entry.get("driver") == "nvidia"
        or (not entry.get("driver") and "gpu" in (entry.get("capabilities") or []))
    ]
    requests += [_request(entry, ("gpu",)) for entry in service.get("gpus") or []]
    requests += [
        cdi.from_names(entry["device_ids"])
        for entry in devices.get("devices") or []
        if entry.get("driver") == "cdi" and _cdi(entry.get("device_ids") or [])
    ]
    names = [entry["source"] for entry in service.get("devices") or [] if _cdi([entry["source"]])]
    requests += [cdi.from_names(names)] if names else []
    if requests:
        return sorted({str(_effect(r, env.get(CAPABILITIES))) for r in requests})
    if service.get("runtime") == "nvidia":
        legacy = from_environment(env.get(VISIBLE), None)
        if isinstance(legacy, Unsupported):
            return legacy.reason
        return [str(legacy.effect(env.get(CAPABILITIES)))]
    return []


def _effect(request: GpuRequest | Unsupported, env_capabilities: str | None) -> object:
    return request.reason if isinstance(request, Unsupported) else request.effect(env_capabilities)


def _cdi(names: list[str]) -> bool:
    return bool(names) and all(cdi.is_gpu_name(name) for name in names)


def _request(entry: dict[str, Any], implied: tuple[str, ...]) -> GpuRequest:
    """A request from Compose's JSON, which writes ``count: all`` and a missing count as -1."""
    ids = entry.get("device_ids")
    options = entry.get("options") or {}
    return GpuRequest(
        count=None if ids is not None else int(entry.get("count", 0)),
        device_ids=tuple(ids) if ids is not None else None,
        capabilities=tuple(entry.get("capabilities") or implied),
        driver=entry.get("driver") or None,
        options=tuple(sorted((str(key), str(value)) for key, value in options.items())),
    )
