"""The national immigration registry, reached over HTTP through one adapter (client.py).

Callers use `registry_client()` and handle one exception, `RegistryUnavailable`.
"""

from . import models  # noqa: F401 - registers the sync cursor table
from .client import RegistryClient
from .client import registry_client
from .commands import registry_cli
from .errors import RegistryUnavailable
from .records import BiometricResult
from .records import Change
from .records import ChangePage
from .records import Person

__all__ = ["BiometricResult", "Change", "ChangePage", "Person", "RegistryClient", "RegistryUnavailable",
           "registry_client"]


def init_app(app) -> None:
    app.cli.add_command(registry_cli)
