"""Consent per client and scope set: asked once, remembered, asked again for a new scope."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from ..accounts.models import Consent
from ..extensions import db

# (English, Vietnamese) for the consent page.
SCOPE_DESCRIPTIONS = {
    "openid": ("Confirm that it is you (an identifier for this service only)",
               "Xác nhận đó là bạn (một mã định danh chỉ dành cho dịch vụ này)"),
    "profile": ("Your name, date of birth, gender and language",
                "Họ tên, ngày sinh, giới tính và ngôn ngữ của bạn"),
    "email": ("Your e-mail address", "Địa chỉ thư điện tử của bạn"),
    "phone": ("Your mobile number", "Số điện thoại di động của bạn"),
}


def _find(account, client) -> Consent | None:
    return db.session.scalar(
        db.select(Consent).where(
            Consent.account_id == account.id, Consent.client_id == client.client_id
        )
    )


def covers(account, client, scopes: list[str]) -> bool:
    consent = _find(account, client)
    return consent is not None and consent.covers(scopes)


def record(account, client, scopes: list[str]) -> None:
    """Add `scopes` to the stored consent; two parallel approvals still leave one row."""
    for _ in range(2):
        consent = _find(account, client)
        if consent is None:
            consent = Consent(account_id=account.id, client_id=client.client_id, scope="")
            db.session.add(consent)
        consent.scope = " ".join(sorted(set(consent.scope.split()) | set(scopes)))
        try:
            db.session.commit()
            return
        except IntegrityError:
            db.session.rollback()
    raise RuntimeError("consent could not be recorded")
