"""decide(): given what a request asks, the account and this session, what happens next.

Outcomes: Satisfied(acr) — issue the code with this `acr`; Authenticate — a full sign-in is
needed; StepUp(missing) — ask only for a second factor, never the password again; Unmet —
a hard requirement the account cannot reach (`unmet_authentication_requirements`);
Denied — the account is locked (`access_denied`). Each carries a reason code that tests assert
and logs record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .amr import PASSWORD
from .amr import level_of
from .levels import DEFAULT_NAMES
from .levels import AccountFacts
from .levels import Level
from .requirements import Requirements


@dataclass(frozen=True)
class SessionFacts:
    factors: frozenset[str]
    auth_time: int  # the last real authentication event (OIDC Core §2)
    second_factor_time: int | None = None  # when level 2 was last proven
    last_seen: int | None = None  # last activity, for the level-2 idle limit


@dataclass(frozen=True)
class Windows:
    """How long a level-2 session answers level-2 requests (NIST AAL2: 12 h, 30 min idle)."""

    level2_absolute: int = 12 * 3600
    level2_idle: int = 30 * 60


@dataclass(frozen=True)
class Satisfied:
    acr: str
    level: Level


@dataclass(frozen=True)
class Authenticate:
    reason: str
    level: Level  # the level the new sign-in should reach


@dataclass(frozen=True)
class StepUp:
    missing: tuple[str, ...]  # any one of these second factors
    reason: str
    level: Level = Level.TWO


@dataclass(frozen=True)
class Unmet:
    reason: str


@dataclass(frozen=True)
class Denied:
    reason: str


Decision = Satisfied | Authenticate | StepUp | Unmet | Denied


def session_level(session: SessionFacts, now: int, windows: Windows) -> Level:
    """The level the session's factors still vouch for; level 2 lapses after its window."""
    level = level_of(session.factors)
    if level == Level.TWO:
        proven = session.second_factor_time or session.auth_time
        idle_since = session.last_seen or proven
        if now - proven > windows.level2_absolute or now - idle_since > windows.level2_idle:
            return Level.ONE
    return level


def _name(level: Level, names: dict[str, Level]) -> str:
    return next(value for value, named in names.items() if named == level)


def _target(req: Requirements, floor: Level, reachable: Level, names) -> tuple[Level, str | None]:
    """The highest requested level the account can reach (DESIGN.md), never below the floor."""
    requested = [v for v in (req.essential or req.voluntary) if floor <= names[v] <= reachable]
    if not requested:
        return floor, None
    best = max(names[v] for v in requested)
    return best, next(v for v in requested if names[v] == best)


def _needs_fresh_login(req: Requirements, session: SessionFacts, now: int,
                       fresh_since: int | None) -> str | None:
    """prompt=login and max_age ask for an authentication after the request was made."""
    if fresh_since is not None and session.auth_time >= fresh_since:
        return None
    if req.force_login:
        return "prompt_login"
    if req.max_age is not None and now - session.auth_time > req.max_age:
        return "max_age"
    return None


def decide(
    req: Requirements,
    account: AccountFacts,
    session: SessionFacts | None,
    *,
    now: int,
    today: date,
    fresh_since: int | None = None,
    names: dict[str, Level] = DEFAULT_NAMES,
    windows: Windows = Windows(),
) -> Decision:
    if account.locked:
        return Denied("account_locked")
    if any(value not in names for value in req.essential):
        return Unmet("essential_acr")
    reachable = account.level(today)
    essential_floor = min((names[v] for v in req.essential), default=Level.ONE)
    floor = max(req.client_min_level, essential_floor)
    if reachable < floor:
        if account.proofed_level >= floor:
            return Unmet("card_expired")
        return Unmet("client_min_level" if req.client_min_level >= essential_floor
                     else "essential_acr")
    target, requested_value = _target(req, floor, reachable, names)
    if session is None:
        return Authenticate("no_session", target)
    if reason := _needs_fresh_login(req, session, now, fresh_since):
        return Authenticate(reason, target)
    achieved = min(session_level(session, now, windows), reachable)
    if achieved >= target:
        return Satisfied(requested_value or _name(min(achieved, reachable), names), achieved)
    # Level 2 is wanted and this session is at level 1.
    hard = floor == Level.TWO
    reason = ("client_min_level" if req.client_min_level == Level.TWO
              else "essential_acr" if hard else "acr_values")
    if level_of(session.factors) == Level.TWO:
        reason = "level2_window_expired"
    if not account.second_factors:
        if hard:
            return Unmet("no_second_factor")
        return Satisfied(_name(achieved, names), achieved)
    if PASSWORD not in session.factors:
        if not hard and fresh_since is not None and session.auth_time >= fresh_since:
            # Voluntary, and the person has just signed in: answer with what they reached.
            return Satisfied(_name(achieved, names), achieved)
        return Authenticate(reason, target)
    return StepUp(account.second_factors, reason)
