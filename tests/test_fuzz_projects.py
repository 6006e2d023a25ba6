"""Fuzzing projects: a generated base with an overlay that completes one of its services, both
migrated as the CLI migrates a folder; Docker Compose itself must read the same GPUs for the base
alone and for base + overlay, before and after."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from oracles import compose_project, gpu_requests
from strategies import DIRECTIONS, documents
from test_fuzz import ORACLE, services

from composemigrate import migrate, projects
from composemigrate.fileio import env_file_reader

OVERLAYS = (
    "environment:\n      NVIDIA_VISIBLE_DEVICES: '0'",
    "environment:\n      - NVIDIA_DRIVER_CAPABILITIES=compute,utility",
    "runtime: nvidia",
    "gpus: all",
    "deploy:\n      resources:\n        reservations:\n          devices:\n"
    "            - driver: nvidia\n              count: 1\n              capabilities: [gpu]",
    "labels:\n      - overlay=yes",
    "environment:\n      TZ: UTC",
)
"""What a GPU overlay adds to a service: NVIDIA_* variables, a request in any form, or nothing
about GPUs at all."""

BASE, OVERLAY = "docker-compose.yml", "docker-compose.gpu.yml"
SETS = ([BASE], [BASE, OVERLAY])


def migrate_folder(folder: Path, to: str) -> None:
    """What ``composemigrate --to-X folder`` does to the two files, through the library."""
    new = {}
    for name in (BASE, OVERLAY):
        path = folder / name
        text = path.read_text(encoding="utf-8")
        held = projects.project_for(path).held.get(path, {})
        new[name] = migrate(text, to, env_files=env_file_reader(folder), held=held).text
    for name, text in new.items():
        (folder / name).write_text(text, encoding="utf-8")


@ORACLE
@given(doc=documents(), data=st.data())
def test_a_project_keeps_its_gpus_in_every_set(doc: object, data: st.DataObject) -> None:
    text = getattr(doc, "text")  # noqa: B009 - a Doc from the strategies
    names = sorted({name for _, name in services(text)})
    if not names:
        return
    name = data.draw(st.sampled_from(names), label="service")
    overlay = f"services:\n  {name}:\n    {data.draw(st.sampled_from(OVERLAYS), label='adds')}\n"
    to = data.draw(st.sampled_from(DIRECTIONS), label="to")
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        (folder / BASE).write_text(text, encoding="utf-8")
        (folder / OVERLAY).write_text(overlay, encoding="utf-8")
        before = [compose_project(folder, files) for files in SETS]
        if not all(outcome.ok for outcome in before):
            return  # an overlay Compose refuses on this base (gpus: all over a list, …)
        migrate_folder(folder, to)
        for files, old in zip(SETS, before, strict=True):
            new = compose_project(folder, files)
            assert new.ok, new.error
            assert old.model is not None and new.model is not None
            assert gpu_requests(new.model) == gpu_requests(old.model), files
