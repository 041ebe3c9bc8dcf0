"""The authorization code flow end to end, as a relying party sees it."""

from idp.clock import timestamp

from ..factories import REDIRECT_URI


def test_code_flow_issues_verified_id_token_with_every_required_claim(rp):
    callback = rp.sign_in_and_get_code()
    assert callback["iss"] == "https://idp.test"  # RFC 9207
    response = rp.exchange(callback["code"])
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    tokens = response.json
    assert tokens["token_type"] == "Bearer"
    claims = rp.verify_id_token(tokens["id_token"])
    for name in ("iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "azp",
                 "at_hash", "sid"):
        assert name in claims, name
    assert claims["acr"] == "1"
    assert claims["amr"] == ["pwd"]
    assert abs(claims["auth_time"] - timestamp()) < 60
    assert claims["exp"] - claims["iat"] <= 300


def test_state_comes_back_byte_for_byte(rp):
    state = "état-ñ-日本-" + "x" * 400
    callback = rp.sign_in_and_get_code(state=state)
    assert callback["state"] == state


def test_id_token_signed_with_the_clients_registered_algorithm(app, factories):
    from ..rp import TestRelyingParty

    for alg in ("RS256", "ES256", "PS256"):
        rp = TestRelyingParty(app, factories, login=f"{alg}@example.test",
                              id_token_signed_response_alg=alg)
        header, _ = rp.verify(rp.tokens()["id_token"])
        assert header["alg"] == alg
        assert header["kid"] in {k["kid"] for k in rp.browser.get("/jwks.json").json["keys"]}


def test_access_token_is_an_rfc9068_jwt_agreeing_with_the_id_token(rp):
    tokens = rp.tokens()
    header, access = rp.verify(tokens["access_token"])
    _, id_claims = rp.verify(tokens["id_token"])
    assert header["typ"] == "at+jwt"
    assert access["client_id"] == rp.client.client_id
    assert access["scope"] == "openid profile email"
    assert access["jti"]
    assert access["exp"] - access["iat"] <= 600
    for name in ("sub", "acr", "amr", "auth_time"):
        assert access[name] == id_claims[name]


def test_consent_is_remembered_for_the_same_scopes_and_asked_again_for_more(rp):
    rp.tokens(scope="openid profile")
    again = rp.authorize(scope="openid profile")
    assert again.headers["Location"].startswith(REDIRECT_URI)  # no page: remembered
    more = rp.authorize(scope="openid profile email")
    assert "/authorize/consent/" in more.headers["Location"]


def test_consent_page_names_the_client_and_each_scope(rp):
    response = rp.authorize()
    page = rp.browser.get(response.headers["Location"])
    page = rp.submit_login(page)
    page = rp.browser.get(page.headers["Location"])
    page = rp.browser.get(page.headers["Location"])
    assert "Test Bank" in page.text
    assert "Your e-mail address" in page.text
    assert "Allow" in page.text and "Deny" in page.text


def test_denying_consent_returns_access_denied_with_state_and_iss(rp):
    callback = rp.follow_to_client(rp.authorize(state="s-1"), approve=False)
    assert callback == {"error": "access_denied", "state": "s-1", "iss": "https://idp.test",
                        "error_description": callback["error_description"]}
    assert "code" not in callback


def test_userinfo_releases_only_the_granted_scopes(rp):
    tokens = rp.tokens(scope="openid email")
    response = rp.userinfo(tokens["access_token"])
    assert response.status_code == 200
    _, id_claims = rp.verify(tokens["id_token"])
    assert response.json == {"sub": id_claims["sub"], "email": "holder@example.test",
                             "email_verified": True}


def test_userinfo_accepts_post_and_profile_claims_keep_diacritics(rp):
    tokens = rp.tokens(scope="openid profile")
    response = rp.browser.post("/userinfo",
                               headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert response.json["family_name"] == "Nguyễn"
    assert response.json["name"] == "Minh An Nguyễn"
    assert "email" not in response.json


def test_sign_in_once_serves_later_requests_without_a_password(rp):
    rp.tokens()
    second = rp.authorize()
    assert second.status_code == 302 and second.headers["Location"].startswith(REDIRECT_URI)
