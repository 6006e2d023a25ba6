"""What an image name tells about the GPU setup it expects, in one place: Jetson (L4T) images,
where ``runtime: nvidia`` is the documented way, and images known to set
``NVIDIA_VISIBLE_DEVICES`` themselves (CUDA and NVIDIA-built bases)."""

from __future__ import annotations

import re

JETSON = re.compile(r"l4t|jetson|dustynv/", re.IGNORECASE)
"""Jetson (L4T) images: ``nvcr.io/nvidia/l4t-*``, ``dustynv/*`` and the like."""

SETS_VISIBLE_DEVICES = re.compile(
    r"^(?:[^/]+\.[^/]+/)?(?:nvidia/|nvcr\.io/|pytorch/pytorch|tensorflow/tensorflow:.*gpu|"
    r"rapidsai/|.*cuda)",
    re.IGNORECASE,
)
"""Images built on NVIDIA's CUDA bases, which set ``NVIDIA_VISIBLE_DEVICES=all`` themselves."""


def is_jetson(image: str | None) -> bool:
    return image is not None and JETSON.search(image) is not None


def sets_visible_devices(image: str | None) -> bool:
    """Whether the image is known to set ``NVIDIA_VISIBLE_DEVICES`` (so ``runtime: nvidia``
    alone gives it every GPU); False for an unknown or missing image."""
    return image is not None and SETS_VISIBLE_DEVICES.search(image) is not None
