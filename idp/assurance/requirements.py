"""What one authorization request asks for, read from its parameters (OIDC Core §3.1.2.1, §5.5.1.1).

`acr_values` is voluntary; an essential `acr` in the `claims` parameter and the client's
registered minimum level are hard requirements. No request parameter can lower the client's
minimum.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from .levels import DEFAULT_NAMES
from .levels import Level


@dataclass(frozen=True)
class Requirements:
    voluntary: tuple[str, ...] = ()  # acr_values, in order of preference
    essential: tuple[str, ...] = ()  # essential acr value(s) from the claims parameter
    client_min_level: Level = Level.ONE
    max_age: int | None = None
    force_login: bool = False  # prompt=login

    @classmethod
    def from_request(cls, params: dict, client_min_level: int,
                     names: dict[str, Level] = DEFAULT_NAMES) -> Requirements:
        voluntary = tuple(v for v in params.get("acr_values", "").split() if v in names)
        essential = ()
        claims = _json_object(params.get("claims"))
        for member in ("id_token", "userinfo"):
            acr = _json_object(claims.get(member)).get("acr") if claims else None
            if isinstance(acr, dict) and acr.get("essential") is True:
                values = acr.get("values") if "values" in acr else [acr.get("value")]
                if isinstance(values, list):
                    essential += tuple(v for v in values if isinstance(v, str) and v in names)
                if not essential:
                    essential = ("unknown",)  # essential, but nothing we can name: unmeetable
        max_age = params.get("max_age")
        return cls(
            voluntary=voluntary,
            essential=tuple(dict.fromkeys(essential)),
            client_min_level=Level(client_min_level),
            max_age=int(max_age) if max_age is not None else None,
            force_login="login" in params.get("prompt", "").split(),
        )


def _json_object(raw) -> dict:
    if isinstance(raw, dict):
        return raw
    if not isinstance(raw, str):
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
