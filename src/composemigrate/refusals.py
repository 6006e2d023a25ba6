"""Why a service is left unchanged: a stable code for each reason, with what a user can do.

A code never changes meaning once released; a new reason gets a new code. ``README.md`` shows this
table (a test keeps the two in step).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Refusal:
    """One reason class: its code, what it means, and the next step for the user."""

    code: str
    what: str
    next_step: str


NO_GPU = "CM501"
BAD_VISIBLE = "CM502"
COUNT_VARIABLE = "CM503"
DECIDING_VARIABLE = "CM504"
FROM_SHELL = "CM505"
UNKNOWN_CAPABILITY = "CM506"
OPTIONS = "CM507"
OTHER_DRIVER = "CM508"
SEVERAL_REQUESTS = "CM509"
INVALID_REQUEST = "CM510"
SHARED_ANCHOR = "CM511"
LAYOUT = "CM512"
ENV_FILE = "CM513"
OTHER_RUNTIME = "CM514"
BAD_VARIABLE = "CM515"
PROJECT = "CM516"
CDI_CAPABILITIES = "CM517"
DEFAULT_RUNTIME = "CM518"
JETSON = "CM590"
FILE_VERSION = "CM591"
ASSUMED_VISIBLE = "CM592"

ADVICE = frozenset({"CM590", "CM591", "CM592"})
"""Codes that advise on a migrated service rather than leave one unchanged."""


def is_refusal(code: str) -> bool:
    """A code that leaves a service unchanged (what ``--strict`` fails on)."""
    return code.startswith("CM5") and code not in ADVICE


REFUSALS: dict[str, Refusal] = {
    r.code: r
    for r in (
        Refusal(
            NO_GPU,
            "the service asks for no GPU (NVIDIA_VISIBLE_DEVICES none, void or empty; count 0)",
            "no request form says 'driver only, no GPU': keep the legacy form",
        ),
        Refusal(
            BAD_VISIBLE,
            "NVIDIA_VISIBLE_DEVICES is not a comma list of device ids",
            "write it as all, or ids such as 0,1 or GPU-<uuid>, then run again",
        ),
        Refusal(
            COUNT_VARIABLE,
            "count is set from a variable, and the runtime and CDI forms need the index list",
            "write NVIDIA_VISIBLE_DEVICES=0,…,N-1 yourself, or keep the reservation",
        ),
        Refusal(
            DECIDING_VARIABLE,
            "runtime, driver or gpus is set from a variable: whether there is a GPU request "
            "at all depends on its value",
            "write the value literally, or keep the service as it is",
        ),
        Refusal(
            FROM_SHELL,
            "an NVIDIA_* entry takes its value from the shell (a bare name in environment)",
            "give it a value in the file, e.g. NVIDIA_VISIBLE_DEVICES=${NVIDIA_VISIBLE_DEVICES}",
        ),
        Refusal(
            UNKNOWN_CAPABILITY,
            "a capability is not one the NVIDIA driver knows, or comes from a variable in a list",
            "name only gpu, compute, compat32, graphics, utility, video or display",
        ),
        Refusal(
            OPTIONS,
            "the request has driver options, which the environment cannot express",
            "keep the device request, or drop the options by hand if they are not needed",
        ),
        Refusal(
            OTHER_DRIVER,
            "the request names a driver other than nvidia (rocm, cdi, …): not an NVIDIA request",
            "nothing to migrate; keep it",
        ),
        Refusal(
            SEVERAL_REQUESTS,
            "the service makes several GPU requests that ask for different GPUs; which one the "
            "engine applies depends on its version",
            "keep one request with the GPUs you mean",
        ),
        Refusal(
            INVALID_REQUEST,
            "the request is not one Compose accepts as written (count with device_ids, a count "
            "that is not a number, ids not a list, missing capabilities, unknown keys)",
            "run composemigrate lint on the file and fix what it reports",
        ),
        Refusal(
            SHARED_ANCHOR,
            "the GPU keys sit in an anchor that services asking for other GPUs share, or "
            "removing them would expose or empty a merged mapping",
            "give each service its own GPU keys, or migrate the anchor by hand",
        ),
        Refusal(
            LAYOUT,
            "the keys share a line with other keys, a comment has no place to go, or a value is "
            "tagged !reset or has a shape the tool does not merge into",
            "put the GPU keys on lines of their own in block style, then run again",
        ),
        Refusal(
            ENV_FILE,
            "an env_file of the service is missing, unreadable, or not known (text from stdin "
            "without a folder)",
            "create or fix the env file, or move its NVIDIA_* variables into environment",
        ),
        Refusal(
            OTHER_RUNTIME,
            "the service already runs under another runtime",
            "keep the device request; runtime: nvidia would replace the runtime it has",
        ),
        Refusal(
            BAD_VARIABLE,
            "a GPU value holds a variable with unbalanced braces, which Compose refuses",
            "fix the interpolation (${NAME} or ${NAME:-default}), then run again",
        ),
        Refusal(
            PROJECT,
            "the service's GPU settings are made in two or more files Compose merges (base and "
            "override or overlay, -f files, extends): one file alone cannot be rewritten safely",
            "move the GPU keys of the service into one of its files, then run again",
        ),
        Refusal(
            CDI_CAPABILITIES,
            "towards CDI: the request asks for driver capabilities beyond gpu (in the request or "
            "NVIDIA_DRIVER_CAPABILITIES), which the host's CDI spec decides, or an id holds a list "
            "or a ':' (a MIG index), which Compose's devices: syntax splits",
            "keep the device request; or check that the host's CDI spec gives what the service "
            "needs, then write nvidia.com/gpu=… in devices: yourself",
        ),
        Refusal(
            DEFAULT_RUNTIME,
            "NVIDIA_VISIBLE_DEVICES is set without runtime: nvidia or a device request: the "
            "service gets GPUs only from a daemon whose default runtime is nvidia",
            "if it should have GPUs, add runtime: nvidia (or a request) and run again; else "
            "remove the variable",
        ),
        Refusal(
            JETSON,
            "advice, not a refusal: a Jetson (L4T) image, where runtime: nvidia is documented",
            "test the migrated service on the device",
        ),
        Refusal(
            FILE_VERSION,
            "advice, not a refusal: the file's version: is one older tools read without the "
            "target form",
            "drop version: (--drop-version) if only Compose v2 reads the file",
        ),
        Refusal(
            ASSUMED_VISIBLE,
            "advice, not a refusal: runtime: nvidia without NVIDIA_VISIBLE_DEVICES, on an image "
            "not known to set it (an image: that is no CUDA or NVIDIA base), was migrated as "
            "every GPU",
            "check that the image sets NVIDIA_VISIBLE_DEVICES (CUDA images do); if not, the "
            "service had no GPU before: remove the request",
        ),
    )
}
