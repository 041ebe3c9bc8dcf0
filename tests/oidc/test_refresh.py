"""Refresh-token rotation with reuse detection (RFC 9700 §4.14.2)."""

from sqlalchemy import update

from idp.accounts.models import Account
from idp.extensions import db

from ..rp import TestRelyingParty


def _error(response, error):
    assert response.status_code == 400, response.json
    assert response.json["error"] == error


def test_each_refresh_returns_a_new_refresh_token_and_the_old_one_stops(rp):
    first = rp.tokens()
    second = rp.refresh(first["refresh_token"])
    assert second.status_code == 200
    assert second.json["refresh_token"] != first["refresh_token"]
    third = rp.refresh(second.json["refresh_token"])
    assert third.status_code == 200


def test_reusing_a_rotated_token_revokes_the_whole_family(rp):
    first = rp.tokens()
    second = rp.refresh(first["refresh_token"]).json
    _error(rp.refresh(first["refresh_token"]), "invalid_grant")
    _error(rp.refresh(second["refresh_token"]), "invalid_grant")
    assert rp.introspect(second["access_token"]).json == {"active": False}
    assert rp.introspect(first["access_token"]).json == {"active": False}


def test_refreshed_tokens_keep_the_authentication_context(rp):
    first = rp.tokens()
    original = rp.verify_id_token(first["id_token"])
    refreshed = rp.refresh(first["refresh_token"]).json
    _, id_claims = rp.verify(refreshed["id_token"])
    _, access = rp.verify(refreshed["access_token"])
    for name in ("sub", "auth_time", "acr", "amr", "sid"):
        assert id_claims[name] == original[name] == access.get(name, original[name])
    assert "nonce" not in id_claims


def test_a_refresh_may_narrow_the_scope_but_never_widen_it(rp):
    tokens = rp.tokens(scope="openid email")
    narrowed = rp.token(grant_type="refresh_token", refresh_token=tokens["refresh_token"],
                        scope="openid")
    assert narrowed.status_code == 200 and narrowed.json["scope"] == "openid"
    _error(rp.token(grant_type="refresh_token", refresh_token=narrowed.json["refresh_token"],
                    scope="openid email phone"), "invalid_scope")


def test_a_failed_widening_does_not_burn_the_token(rp):
    tokens = rp.tokens(scope="openid email")
    _error(rp.token(grant_type="refresh_token", refresh_token=tokens["refresh_token"],
                    scope="openid phone"), "invalid_scope")
    assert rp.refresh(tokens["refresh_token"]).status_code == 200


def test_another_clients_refresh_token_is_refused_and_stays_valid(app, factories, rp):
    tokens = rp.tokens()
    other = TestRelyingParty(app, factories, login="other@example.test", name="Other")
    _error(other.refresh(tokens["refresh_token"]), "invalid_grant")
    assert rp.refresh(tokens["refresh_token"]).status_code == 200


def test_a_locked_account_cannot_refresh(app, rp):
    tokens = rp.tokens()
    with app.app_context():
        db.session.execute(update(Account).values(status="locked"))
        db.session.commit()
    _error(rp.refresh(tokens["refresh_token"]), "invalid_grant")
    assert rp.introspect(tokens["access_token"]).json == {"active": False}
    assert rp.userinfo(tokens["access_token"]).status_code == 401


def test_refresh_tokens_are_stored_hashed(app, rp):
    tokens = rp.tokens()
    with app.app_context():
        rows = db.session.execute(db.text("SELECT token_hash FROM refresh_tokens")).scalars().all()
    assert rows and tokens["refresh_token"] not in rows
    assert all(len(row) == 64 for row in rows)
