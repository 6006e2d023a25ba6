"""The neutral GPU request that every form is read into and written from.

A request says which GPUs a container sees and which driver capabilities it gets. Two requests are
the same when the Docker engine would set the same ``NVIDIA_VISIBLE_DEVICES`` and
``NVIDIA_DRIVER_CAPABILITIES`` for them (see ``effect``), whatever form wrote them.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

ALL = -1
"""``count`` meaning every GPU (Compose stores ``count: all`` as -1; so does docker-py)."""

DRIVER_CAPABILITIES = ("compute", "compat32", "graphics", "utility", "video", "display")
"""The NVIDIA driver capabilities, in the order the container toolkit documents them."""

KNOWN_CAPABILITIES = ("gpu", *DRIVER_CAPABILITIES)

VISIBLE = "NVIDIA_VISIBLE_DEVICES"
CAPABILITIES = "NVIDIA_DRIVER_CAPABILITIES"

_VARIABLE = re.compile(r"\$\{?[A-Za-z_]")


class Form(enum.Enum):
    """The three ways a Compose service (or a docker SDK call) can ask for GPUs."""

    RUNTIME = "runtime"
    DEVICES = "devices"
    GPUS = "gpus"


@dataclass(frozen=True)
class Unsupported:
    """A GPU request that exists but cannot be known or carried over; ``reason`` says why."""

    reason: str


@dataclass(frozen=True)
class GpuRequest:
    """One request for NVIDIA GPUs: ``count`` (``ALL`` or N) or ``device_ids``, never both."""

    count: int | None = ALL
    device_ids: tuple[str, ...] | None = None
    capabilities: tuple[str, ...] = ("gpu",)
    driver: str | None = "nvidia"
    options: tuple[tuple[str, str], ...] = ()

    def visible_devices(self) -> str:
        """The ``NVIDIA_VISIBLE_DEVICES`` value the engine derives (a count N is ``0,…,N-1``)."""
        if self.device_ids is not None:
            return ",".join(self.device_ids)
        if self.count is None or self.count == ALL:
            return "all"
        if self.count == 0:
            return "void"
        return ",".join(str(index) for index in range(self.count))

    def driver_capabilities(self) -> str | None:
        """The ``NVIDIA_DRIVER_CAPABILITIES`` value, or None when only ``gpu`` is asked for."""
        asked = set(self.capabilities)
        if "all" in asked or asked.issuperset(DRIVER_CAPABILITIES):
            return "all"
        driver_caps = [cap for cap in self.capabilities if cap != "gpu"]
        return ",".join(dict.fromkeys(driver_caps)) or None

    def effect(self) -> tuple[str, frozenset[str], str, tuple[tuple[str, str], ...]]:
        """What the engine ends up doing; equal effects are the same GPUs."""
        caps = set(self.capabilities) | {"gpu"}
        if "all" in caps:
            caps = (caps - {"all"}) | set(DRIVER_CAPABILITIES)
        return (self.visible_devices(), frozenset(caps), self.driver or "nvidia", self.options)

    def is_all_plain(self) -> bool:
        """True for the request that ``gpus: all`` (and ``--gpus all``) stands for."""
        return (
            self.device_ids is None
            and self.count in (None, ALL)
            and set(self.capabilities) == {"gpu"}
            and self.driver in (None, "nvidia")
            and not self.options
        )


def is_variable(value: str) -> bool:
    """True when Compose would interpolate ``value`` (``$VAR`` or ``${VAR...}``)."""
    return bool(_VARIABLE.search(value.replace("$$", "")))


def from_environment(visible: str | None, capabilities: str | None) -> GpuRequest | Unsupported:
    """Read the legacy ``runtime: nvidia`` request from its two environment values.

    ``visible`` None means the variable is not set: CUDA images then default to all GPUs.
    """
    for name, value in ((VISIBLE, visible), (CAPABILITIES, capabilities)):
        if value is not None and is_variable(value):
            return Unsupported(f"{name} is set from a variable ({value}); its value is not known")
    request = GpuRequest()
    if visible is not None:
        value = visible.strip()
        if value in ("", "none", "void"):
            shown = value or "empty"
            return Unsupported(f"{VISIBLE}={shown} asks for no GPU; no device request means that")
        if value != "all":
            ids = tuple(part.strip() for part in value.split(","))
            if "" in ids or "all" in ids:
                return Unsupported(f"{VISIBLE}={value} is not a list of device ids")
            request = GpuRequest(count=None, device_ids=ids)
    if capabilities is not None:
        caps = tuple(part.strip() for part in capabilities.split(",") if part.strip())
        if "all" in caps:
            caps = DRIVER_CAPABILITIES
        unknown = [cap for cap in caps if cap not in DRIVER_CAPABILITIES]
        if unknown:
            return Unsupported(f"{CAPABILITIES} names unknown capabilities: {', '.join(unknown)}")
        request = GpuRequest(
            count=request.count,
            device_ids=request.device_ids,
            capabilities=("gpu", *dict.fromkeys(caps)),
        )
    return request


def to_environment(request: GpuRequest) -> dict[str, str] | Unsupported:
    """The legacy environment that asks for ``request`` under ``runtime: nvidia``."""
    if request.options:
        return Unsupported("device options have no environment equivalent")
    if request.driver not in (None, "nvidia"):
        return Unsupported(f"driver {request.driver!r} is not the NVIDIA runtime")
    if request.device_ids is None and request.count == 0:
        return Unsupported("count 0 asks for no GPU")
    unknown = [cap for cap in request.capabilities if cap not in (*KNOWN_CAPABILITIES, "all")]
    if unknown:
        return Unsupported(f"capabilities {', '.join(unknown)} have no environment equivalent")
    env = {VISIBLE: request.visible_devices()}
    caps = request.driver_capabilities()
    if caps is not None:
        env[CAPABILITIES] = caps
    return env
