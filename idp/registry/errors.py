"""The one error callers of the registry adapter handle."""

from __future__ import annotations


class RegistryUnavailable(Exception):
    """The registry did not give a usable answer (down, slow, refused us, or answered nonsense)
    after every retry. The message is for operators and logs (which URL, what failed); pages say
    only "try again later", and nothing is half-written."""
