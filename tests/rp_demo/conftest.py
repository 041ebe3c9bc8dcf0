"""The live IdP and browser fixtures of the end-to-end tests, reused here."""

from ..e2e.conftest import browser  # noqa: F401 - fixture
from ..e2e.conftest import idp  # noqa: F401 - fixture
