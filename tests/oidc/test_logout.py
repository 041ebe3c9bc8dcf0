"""RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0) and the IdP's own sign-out."""

from ..rp import csrf_of

SIGNED_OUT = "https://rp.test/signed-out"


def test_logout_with_a_valid_hint_returns_to_the_registered_uri_with_state(rp):
    tokens = rp.tokens()
    response = rp.browser.get("/logout", query_string={
        "id_token_hint": tokens["id_token"], "post_logout_redirect_uri": SIGNED_OUT,
        "state": "bye-1"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"{SIGNED_OUT}?state=bye-1"
    # The IdP session is gone: the next request asks for the password again...
    assert rp.authorize().headers["Location"].startswith("/login?flow=")
    # ...and the refresh token issued under that session no longer works (SEC-73).
    assert rp.refresh(tokens["refresh_token"]).json["error"] == "invalid_grant"


def test_an_expired_hint_is_still_accepted(rp):
    import time_machine

    tokens = rp.tokens()
    _, claims = rp.verify(tokens["id_token"])
    with time_machine.travel(claims["exp"] + 3600, tick=False):
        response = rp.browser.get("/logout", query_string={
            "id_token_hint": tokens["id_token"], "post_logout_redirect_uri": SIGNED_OUT})
    assert response.headers["Location"] == SIGNED_OUT


def test_an_unregistered_post_logout_uri_is_never_followed(rp):
    tokens = rp.tokens()
    response = rp.browser.get("/logout", query_string={
        "id_token_hint": tokens["id_token"], "post_logout_redirect_uri": "https://evil.test/"})
    assert response.status_code == 200
    assert "Location" not in response.headers
    assert "You are signed out" in response.text


def test_without_a_hint_nothing_ends_until_the_person_confirms(rp):
    rp.tokens()
    page = rp.browser.get("/logout", query_string={"post_logout_redirect_uri": SIGNED_OUT})
    assert page.status_code == 200 and "Sign out?" in page.text
    assert "Location" not in page.headers
    still_signed_in = rp.authorize()
    assert not still_signed_in.headers["Location"].startswith("/login")
    done = rp.browser.post("/logout", data={"csrf_token": csrf_of(page.text), "confirm": "yes"})
    assert done.status_code == 200 and "You are signed out" in done.text
    assert rp.authorize().headers["Location"].startswith("/login?flow=")


def test_the_confirmation_needs_its_csrf_token(rp):
    rp.tokens()
    response = rp.browser.post("/logout", data={"confirm": "yes"})
    assert response.status_code == 400
    assert not rp.authorize().headers["Location"].startswith("/login")


def test_a_forged_hint_is_refused_without_redirect(rp):
    import base64
    import json

    tokens = rp.tokens()
    _, claims = rp.verify(tokens["id_token"])
    forged = ".".join(base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()
                      for part in ({"alg": "none"}, claims)) + "."
    response = rp.browser.get("/logout", query_string={
        "id_token_hint": forged, "post_logout_redirect_uri": SIGNED_OUT})
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert not rp.authorize().headers["Location"].startswith("/login")


def test_client_id_must_match_the_hints_audience(rp):
    tokens = rp.tokens()
    response = rp.browser.get("/logout", query_string={
        "id_token_hint": tokens["id_token"], "client_id": "someone-else",
        "post_logout_redirect_uri": SIGNED_OUT})
    assert response.status_code == 400 and "Location" not in response.headers


def test_a_copied_session_cookie_is_dead_after_logout(app, rp):
    tokens = rp.tokens()
    cookie = rp.browser.get_cookie("__Host-idp_session", domain="idp.test")
    rp.browser.get("/logout", query_string={"id_token_hint": tokens["id_token"]})
    replay = app.test_client()
    replay.set_cookie("__Host-idp_session", cookie.value, domain="idp.test")
    response = replay.get("/authorize", query_string=rp.params(prompt="none"))
    assert "error=login_required" in response.headers["Location"]
