"""English and Vietnamese: ui_locales first, then the browser's language, and a switch on every
page that wins over both."""

from .rp import query_of


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
