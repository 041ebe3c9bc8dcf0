"""Revocation (RFC 7009) and introspection (RFC 7662) as a client and a resource server see them."""

from ..rp import TestRelyingParty


def test_introspection_of_an_active_access_token_carries_acr_and_auth_time(rp):
    tokens = rp.tokens()
    body = rp.introspect(tokens["access_token"]).json
    _, id_claims = rp.verify(tokens["id_token"])
    assert body["active"] is True
    assert body["client_id"] == rp.client.client_id
    assert body["token_type"] == "Bearer"
    for name in ("sub", "acr", "amr", "auth_time"):
        assert body[name] == id_claims[name]


def test_introspection_of_a_refresh_token(rp):
    tokens = rp.tokens()
    body = rp.introspect(tokens["refresh_token"]).json
    assert body["active"] is True and body["token_type"] == "refresh_token"
    assert body["acr"] == "1"


def test_introspection_needs_client_authentication(rp):
    tokens = rp.tokens()
    response = rp.browser.post("/introspect", data={"token": tokens["access_token"]})
    assert response.status_code == 401
    assert response.json["error"] == "invalid_client"


def test_another_clients_token_introspects_as_inactive_and_nothing_more(app, factories, rp):
    tokens = rp.tokens()
    other = TestRelyingParty(app, factories, login="other@example.test", name="Other")
    assert other.introspect(tokens["access_token"]).json == {"active": False}


def test_garbage_and_id_tokens_are_inactive(rp):
    tokens = rp.tokens()
    assert rp.introspect("not-a-token").json == {"active": False}
    assert rp.introspect(tokens["id_token"]).json == {"active": False}


def test_revoking_the_refresh_token_ends_the_grant_everywhere(rp):
    tokens = rp.tokens()
    response = rp.revoke(tokens["refresh_token"], hint="refresh_token")
    assert response.status_code == 200
    assert rp.introspect(tokens["access_token"]).json == {"active": False}
    assert rp.userinfo(tokens["access_token"]).status_code == 401
    assert rp.refresh(tokens["refresh_token"]).json["error"] == "invalid_grant"


def test_revoking_an_access_token_ends_its_grant(rp):
    tokens = rp.tokens()
    assert rp.revoke(tokens["access_token"]).status_code == 200
    assert rp.introspect(tokens["access_token"]).json == {"active": False}
    assert rp.refresh(tokens["refresh_token"]).status_code == 400


def test_an_unknown_token_revokes_fine(rp):
    assert rp.revoke("never-issued").status_code == 200


def test_a_client_cannot_revoke_another_clients_token(app, factories, rp):
    tokens = rp.tokens()
    other = TestRelyingParty(app, factories, login="other@example.test", name="Other")
    response = other.revoke(tokens["access_token"])
    assert response.status_code == 400
    assert rp.introspect(tokens["access_token"]).json["active"] is True
