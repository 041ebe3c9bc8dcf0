"""Applications (TK01), level-1 self-registration, level-2 in-person proofing, activation."""

from . import models  # noqa: F401 - registers the applications table


def init_app(app) -> None:
    """Routes and commands are registered here as they land."""
