"""English and Vietnamese: ui_locales first, then the browser's language, and a switch on every
page that wins over both."""

from pathlib import Path

from babel.messages.pofile import read_po

from .accounts.pages import csrf_of
from .accounts.pages import sign_in
from .rp import query_of

CATALOGUE = Path(__file__).parent.parent / "idp/translations/vi/LC_MESSAGES/messages.po"


def test_ui_locales_of_the_request_chooses_the_language(rp):
    response = rp.authorize(ui_locales="vi-VN en")
    page = rp.browser.get(response.headers["Location"], headers={"Accept-Language": "en"})
    assert '<html lang="vi">' in page.text


def test_the_browser_language_is_the_default(client):
    assert '<html lang="en">' in client.get("/").text
    assert '<html lang="vi">' in client.get("/", headers={"Accept-Language": "vi"}).text


def test_the_switch_is_on_every_page_and_sticks(client):
    for path in ("/", "/login", "/no-such-page"):
        assert 'action="/language"' in client.get(path).text
    response = client.post("/language", data={"lang": "vi", "next": "/login"})
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert '<html lang="vi">' in client.get("/login", headers={"Accept-Language": "en"}).text


def test_the_switch_never_redirects_off_site(client):
    response = client.post("/language", data={"lang": "en", "next": "//evil.test/x"})
    assert response.headers["Location"] == "/"
    assert query_of(response.headers["Location"]) == {}


def test_an_account_page_speaks_the_browser_language_and_every_text_is_translated(client,
                                                                                   factories):
    factories.account()
    sign_in(client)
    english = client.get("/account")
    assert english.status_code == 200 and '<html lang="en">' in english.text
    assert "Your account" in english.text and "How you sign in" in english.text
    assert "Tài khoản của bạn" not in english.text and "Cách bạn đăng nhập" not in english.text
    vietnamese = client.get("/account", headers={"Accept-Language": "vi"})
    assert vietnamese.status_code == 200 and '<html lang="vi">' in vietnamese.text
    assert "Tài khoản của bạn" in vietnamese.text and "Cách bạn đăng nhập" in vietnamese.text
    assert "Mức độ 1" in vietnamese.text
    assert "How you sign in" not in vietnamese.text and "Level 1" not in vietnamese.text

    with CATALOGUE.open("rb") as po:
        catalogue = read_po(po)
    assert not catalogue.fuzzy
    untranslated = [message.id for message in catalogue if message.id and (
        message.fuzzy or not all(message.string if isinstance(message.string, tuple)
                                 else (message.string,)))]
    assert untranslated == []


def test_the_second_factor_page_and_passkey_messages_speak_the_readers_language(client,
                                                                               factories):
    factories.level2(factories.account())
    sign_in(client)  # password only: changing a factor needs the second factor first
    page = client.get("/login/second-factor", query_string={"next": "/account"})
    assert "<h1>Confirm it is you</h1>" in page.text and "needs level 2" not in page.text
    vietnamese = client.get("/login/second-factor", query_string={"next": "/account"},
                            headers={"Accept-Language": "vi"})
    assert "<h1>Xác nhận danh tính</h1>" in vietnamese.text
    assert "Mất điện thoại? Dùng mã khôi phục" in vietnamese.text
    assert "Lost your phone" not in vietnamese.text

    account = client.get("/account", headers={"Accept-Language": "vi"}).text
    assert "Thêm khóa truy cập" in account and "Add a passkey" not in account
    assert 'data-msg-cancelled="Yêu cầu dùng khóa truy cập đã bị hủy' in account
    refused = client.post("/account/passkeys/options", json={},
                          headers={"X-CSRFToken": csrf_of(page.text), "Accept-Language": "vi"})
    assert refused.status_code == 403 and refused.json["error"] == "step_up_required"
    assert refused.json["message"].startswith("Vui lòng xác nhận danh tính trước")
