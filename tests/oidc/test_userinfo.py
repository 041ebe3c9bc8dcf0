"""UserInfo: Bearer tokens in the Authorization header only, errors per RFC 6750 §3."""


def test_no_token_is_401_with_a_bare_challenge(rp):
    response = rp.browser.get("/userinfo")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="userinfo"'


def test_a_token_in_the_query_string_is_not_accepted(rp):
    tokens = rp.tokens()
    response = rp.browser.get("/userinfo", query_string={"access_token": tokens["access_token"]})
    assert response.status_code == 401


def test_an_id_token_is_not_an_access_token(rp):
    tokens = rp.tokens()
    response = rp.userinfo(tokens["id_token"])
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_a_tampered_token_is_invalid(rp):
    tokens = rp.tokens()
    head, body, signature = tokens["access_token"].split(".")
    tampered = f"{head}.{body}.{signature[:-4]}AAAA"
    assert rp.userinfo(tampered).status_code == 401


def test_an_expired_token_is_invalid(rp):
    import time_machine

    tokens = rp.tokens()
    _, claims = rp.verify(tokens["access_token"])
    with time_machine.travel(claims["exp"] + 1, tick=False):
        assert rp.userinfo(tokens["access_token"]).status_code == 401


def test_a_token_without_openid_scope_is_insufficient(rp):
    tokens = rp.tokens(scope="email")
    response = rp.userinfo(tokens["access_token"])
    assert response.status_code == 403
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]


def test_pairwise_subjects_differ_between_sectors_and_never_show_the_login(app, factories):
    from ..rp import TestRelyingParty

    bank = TestRelyingParty(app, factories, login="same@example.test", name="Bank")
    landlord = TestRelyingParty(app, factories, share_with=bank, name="Landlord",
                                redirect_uris=["https://landlord.test/cb"])
    bank_sub = bank.verify(bank.tokens()["id_token"])[1]["sub"]
    landlord_sub = landlord.verify(landlord.tokens()["id_token"])[1]["sub"]
    assert bank_sub != landlord_sub
    assert "same" not in bank_sub and "same" not in landlord_sub
    again = bank.verify(bank.tokens()["id_token"])[1]["sub"]
    assert again == bank_sub  # stable at one client


def test_public_subject_type_is_the_same_at_every_client(app, factories):
    from ..rp import TestRelyingParty

    one = TestRelyingParty(app, factories, login="pub@example.test", subject_type="public")
    sub = one.verify(one.tokens()["id_token"])[1]["sub"]
    assert sub == one.account.subject_key
