"""Assurance levels and the names relying parties may use for them.

DESIGN.md: the account's proofed level and the session's factors combine, the lower wins; an
expired residence card caps a level-2 account at level 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import IntEnum


class Level(IntEnum):
    ONE = 1
    TWO = 2


# Requested `acr` values we understand, and the level each one names. A deployment may add
# URI names; eIDAS names are accepted as requests (DESIGN.md). We answer with exactly the
# requested value that was satisfied (OIDC Core §5.5.1.1), and never with "0".
DEFAULT_NAMES: dict[str, Level] = {
    "1": Level.ONE,
    "2": Level.TWO,
    "http://eidas.europa.eu/LoA/low": Level.ONE,
    "http://eidas.europa.eu/LoA/substantial": Level.TWO,
}


@dataclass(frozen=True)
class AccountFacts:
    """What the decision needs to know about the account, as plain values."""

    proofed_level: Level
    residence_card_expires: date | None = None
    has_totp: bool = False
    has_passkey: bool = False
    locked: bool = False

    def level(self, today: date) -> Level:
        """The level the account can reach today: level 2 needs a residence card still valid."""
        if self.proofed_level == Level.TWO and (
            self.residence_card_expires is None or self.residence_card_expires < today
        ):
            return Level.ONE
        return self.proofed_level

    @property
    def second_factors(self) -> tuple[str, ...]:
        return tuple(f for f, on in (("totp", self.has_totp), ("passkey", self.has_passkey)) if on)
