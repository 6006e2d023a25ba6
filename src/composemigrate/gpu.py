"""The neutral GPU request that every form is read into and written from.

A request says which GPUs a container sees and which driver capabilities it gets. Two requests are
the same when the Docker engine would set the same ``NVIDIA_VISIBLE_DEVICES`` and
``NVIDIA_DRIVER_CAPABILITIES`` for them (see ``effect``), whatever form wrote them.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from composemigrate import refusals

ALL = -1
"""``count`` meaning every GPU (Compose stores ``count: all`` as -1; so does docker-py)."""

DRIVER_CAPABILITIES = ("compute", "compat32", "graphics", "utility", "video", "display")
"""The NVIDIA driver capabilities, in the order the container toolkit documents them."""

KNOWN_CAPABILITIES = ("gpu", *DRIVER_CAPABILITIES)

VISIBLE = "NVIDIA_VISIBLE_DEVICES"
CAPABILITIES = "NVIDIA_DRIVER_CAPABILITIES"

_VARIABLE = re.compile(r"\$\{?[A-Za-z_]")

Effect = tuple[str, frozenset[str], str, tuple[tuple[str, str], ...]]
"""What the engine ends up doing: visible devices, capabilities, driver, options. A value from a
variable stays its own text, compared as an opaque string."""


class Form(enum.Enum):
    """The ways a Compose service (or a docker SDK call) can ask for GPUs; each has a module
    and an entry in ``composemigrate.forms.SPECS``."""

    RUNTIME = "runtime"
    DEVICES = "devices"
    GPUS = "gpus"
    CDI = "cdi"


@dataclass(frozen=True)
class Unsupported:
    """A GPU request that exists but cannot be known or carried over; ``reason`` says why and
    ``code`` is its stable id in ``refusals.REFUSALS``."""

    reason: str
    code: str


@dataclass(frozen=True)
class GpuRequest:
    """One request for NVIDIA GPUs: ``count`` (``ALL``, N, or a variable's text) or
    ``device_ids``, never both. Ids may hold variables: the engine joins them as they arrive."""

    count: int | str | None = ALL
    device_ids: tuple[str, ...] | None = None
    capabilities: tuple[str, ...] = ("gpu",)
    driver: str | None = "nvidia"
    options: tuple[tuple[str, str], ...] = ()

    def visible_devices(self) -> str:
        """The ``NVIDIA_VISIBLE_DEVICES`` value the engine derives (a count N is ``0,…,N-1``)."""
        if self.device_ids is not None:
            return ",".join(self.device_ids)
        if isinstance(self.count, str):
            return f"count {self.count}"  # opaque: only compared, never written
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

    def names_driver_capabilities(self) -> bool:
        return any(cap != "gpu" for cap in self.capabilities)

    def effect(self, env_capabilities: str | None = None) -> Effect:
        """What the engine ends up doing; equal effects are the same GPUs.

        ``env_capabilities`` is the service's own ``NVIDIA_DRIVER_CAPABILITIES``: the engine
        appends the request's variables after it, so it applies only when the request names no
        driver capability. A value from a variable stays its own text.
        """
        caps = set(self.capabilities) | {"gpu"}
        if env_capabilities is not None and not self.names_driver_capabilities():
            caps |= (
                {env_capabilities}
                if is_variable(env_capabilities)
                else set(part.strip() for part in env_capabilities.split(",") if part.strip())
            )
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


def unbalanced(value: str) -> Unsupported | None:
    """A refusal when ``value`` holds a ``${`` that never closes: Compose refuses that."""
    depth = 0
    for index, char in enumerate(value):
        if char == "{" and value[index - 1 : index] == "$":
            depth += 1
        elif char == "}" and depth:
            depth -= 1
    if depth:
        return Unsupported(f"{value} has a variable with unbalanced braces", refusals.BAD_VARIABLE)
    return None


def split_ids(value: str) -> tuple[str, ...]:
    """A comma list of ids, split only outside ``${...}`` (a default may hold commas itself)."""
    parts, depth, start = [], 0, 0
    for index, char in enumerate(value):
        if char == "{" and value[index - 1 : index] == "$":
            depth += 1
        elif char == "}" and depth:
            depth -= 1
        elif char == "," and not depth:
            parts.append(value[start:index].strip())
            start = index + 1
    parts.append(value[start:].strip())
    return tuple(parts)


def from_environment(visible: str | None, capabilities: str | None) -> GpuRequest | Unsupported:
    """Read the legacy ``runtime: nvidia`` request from its two environment values.

    ``visible`` None means the variable is not set: CUDA images then default to all GPUs. A
    variable in ``visible`` becomes ids carried verbatim; capabilities from a variable are not
    folded into the request: they stay in the environment (see ``GpuRequest.effect``).
    """
    for value in (visible, capabilities):
        if value is not None and (refused := unbalanced(value)):
            return refused
    request = GpuRequest()
    if visible is not None:
        value = visible.strip()
        if value in ("", "none", "void"):
            shown = value or "empty"
            reason = f"{VISIBLE}={shown} asks for no GPU; no device request means that"
            return Unsupported(reason, refusals.NO_GPU)
        if value != "all":
            ids = split_ids(value)
            if "" in ids or "all" in ids:
                reason = f"{VISIBLE}={value} is not a list of device ids"
                return Unsupported(reason, refusals.BAD_VISIBLE)
            request = GpuRequest(count=None, device_ids=ids)
    if capabilities is not None and not is_variable(capabilities):
        caps = tuple(part.strip() for part in capabilities.split(",") if part.strip())
        if "all" in caps:
            caps = DRIVER_CAPABILITIES
        unknown = [cap for cap in caps if cap not in DRIVER_CAPABILITIES]
        if unknown:
            reason = f"{CAPABILITIES} names unknown capabilities: {', '.join(unknown)}"
            return Unsupported(reason, refusals.UNKNOWN_CAPABILITY)
        request = GpuRequest(
            count=request.count,
            device_ids=request.device_ids,
            capabilities=("gpu", *dict.fromkeys(caps)),
        )
    return request


def to_environment(request: GpuRequest) -> dict[str, str] | Unsupported:
    """The legacy environment that asks for ``request`` under ``runtime: nvidia``."""
    if request.options:
        return Unsupported("device options have no environment equivalent", refusals.OPTIONS)
    if request.driver not in (None, "nvidia"):
        reason = f"driver {request.driver!r} is not the NVIDIA runtime"
        return Unsupported(reason, refusals.OTHER_DRIVER)
    if isinstance(request.count, str):
        reason = f"count is set from {request.count}; the index list it stands for is not known"
        return Unsupported(reason, refusals.COUNT_VARIABLE)
    if request.device_ids is None and request.count == 0:
        return Unsupported("count 0 asks for no GPU", refusals.NO_GPU)
    unknown = [cap for cap in request.capabilities if cap not in (*KNOWN_CAPABILITIES, "all")]
    if unknown:
        reason = f"capabilities {', '.join(unknown)} have no environment equivalent"
        return Unsupported(reason, refusals.UNKNOWN_CAPABILITY)
    env = {VISIBLE: request.visible_devices()}
    caps = request.driver_capabilities()
    if caps is not None:
        env[CAPABILITIES] = caps
    return env
