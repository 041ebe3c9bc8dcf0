"""Who a token speaks for, with how they authenticated: what Authlib calls the `user`."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field


@dataclass
class Principal:
    account: object  # accounts.models.Account
    acr: str
    amr: list[str]
    auth_time: int
    grant_id: str
    sid: str | None = None
    nonce: str | None = None
    extra: dict = field(default_factory=dict)

    def get_user_id(self):
        return self.account.id
