"""The national immigration registry, reached over HTTP through one adapter."""

from . import models  # noqa: F401 - registers the sync cursor table


def init_app(app) -> None:
    """Commands are registered here as they land."""
