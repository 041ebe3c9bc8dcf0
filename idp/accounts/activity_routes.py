"""The activity log (SEC-95): sign-ins, step-ups, which service received which claims when,
consents revoked, factors added or removed, password changes."""

from __future__ import annotations

from flask import render_template
from sqlalchemy import select

from ..clients.models import Client
from ..extensions import db
from . import events
from .guards import holder_required
from .routes import bp

# Claim names (OIDC Core §5.1) in plain words: (English, Vietnamese).
CLAIM_LABELS = {
    "sub": ("an identifier for this service only", "mã định danh riêng cho dịch vụ này"),
    "name": ("full name", "họ và tên"),
    "given_name": ("given name", "tên"),
    "family_name": ("family name", "họ"),
    "birthdate": ("date of birth", "ngày sinh"),
    "gender": ("gender", "giới tính"),
    "locale": ("language", "ngôn ngữ"),
    "email": ("e-mail address", "địa chỉ thư điện tử"),
    "email_verified": ("whether the e-mail address is verified", "thư điện tử đã xác minh chưa"),
    "phone_number": ("mobile number", "số điện thoại di động"),
    "phone_number_verified": ("whether the mobile number is verified",
                              "số điện thoại đã xác minh chưa"),
}

# Factor names as events record them (idp.assurance.amr), in plain words.
FACTOR_LABELS = {
    "password": ("password", "mật khẩu"),
    "totp": ("authenticator app", "ứng dụng xác thực"),
    "recovery_code": ("a recovery code", "mã khôi phục"),
    "recovery_codes": ("new recovery codes", "mã khôi phục mới"),
    "passkey": ("passkey", "khóa truy cập"),
    "passkey_uv": ("passkey", "khóa truy cập"),
}


@bp.get("/activity")
@holder_required
def activity(account, login):
    entries = events.recent(account.id)
    client_ids = {entry.client_id for entry in entries if entry.client_id}
    names = dict(db.session.execute(
        select(Client.client_id, Client.name).where(Client.client_id.in_(client_ids))).all())
    return render_template("account/activity.html", entries=entries, names=names,
                           claim_labels=CLAIM_LABELS, factor_labels=FACTOR_LABELS)
