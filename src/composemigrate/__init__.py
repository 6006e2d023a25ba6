"""composemigrate: move Compose files and docker SDK code between the ways of asking for GPUs.

The library API is ``migrate(text, to="devices") -> Result``; the CLI is a thin layer over it.
"""

from composemigrate.gpu import Form, GpuRequest
from composemigrate.result import Finding, MigrationError, Result
from composemigrate.rewrite import migrate

__version__ = "0.1.0.dev0"

__all__ = ["Finding", "Form", "GpuRequest", "MigrationError", "Result", "__version__", "migrate"]
