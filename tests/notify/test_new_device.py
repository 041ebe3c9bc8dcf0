"""A sign-in from a device the account has not used before is told to the holder; the same
browser on the same network is not. The first sign-in of an account only learns the device."""

from __future__ import annotations

from ..authn.test_login import login_page
from ..factories import PASSWORD
from ..rp import csrf_of
from .conftest import rows

FIREFOX_WINDOWS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 "
                   "Firefox/128.0")
CHROME_ANDROID = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/126.0.0.0 Mobile Safari/537.36")


def sign_in(app, user_agent: str, ip: str, login: str = "device@example.test") -> None:
    browser = app.test_client()
    page = login_page(browser)
    response = browser.post("/login", data={"csrf_token": csrf_of(page.text), "login": login,
                                            "password": PASSWORD, "flow": ""},
                            headers={"User-Agent": user_agent}, environ_base={"REMOTE_ADDR": ip})
    assert response.status_code == 303


def test_a_new_browser_is_told_and_a_known_one_is_not(notify_app, smtp_server, factories):
    factories.account("device@example.test", phone_number=None, locale="en")

    sign_in(notify_app, FIREFOX_WINDOWS, "198.51.100.7")  # the first sign-in: learnt, not told
    sign_in(notify_app, FIREFOX_WINDOWS, "198.51.100.99")  # same browser, same /24 network
    assert rows(notify_app, kind="new_device") == []

    sign_in(notify_app, CHROME_ANDROID, "203.0.113.5")
    [row] = rows(notify_app, kind="new_device")
    assert row.channel == "email" and row.recipient == "device@example.test"
    assert "Chrome, Android, IP 203.0.113.x" in row.body

    sign_in(notify_app, CHROME_ANDROID, "203.0.113.200")
    assert len(rows(notify_app, kind="new_device")) == 1


def test_the_same_browser_from_another_network_is_told_in_the_holders_language(
        notify_app, smtp_server, factories):
    factories.account("device@example.test", phone_number=None, locale="vi")
    sign_in(notify_app, FIREFOX_WINDOWS, "198.51.100.7")
    sign_in(notify_app, FIREFOX_WINDOWS, "192.0.2.10")

    notify_app.test_cli_runner().invoke(args=["notify", "deliver"])

    [(_, message)] = smtp_server.received
    assert message["Subject"] == "Đăng nhập mới vào tài khoản định danh điện tử của bạn"
    assert "Firefox, Windows, IP 192.0.2.x" in message.get_content()


def test_another_accounts_devices_do_not_count(notify_app, factories):
    factories.account("device@example.test")
    other = factories.account("other@example.test", phone_number="+84902223333")
    sign_in(notify_app, FIREFOX_WINDOWS, "198.51.100.7", login="other@example.test")
    sign_in(notify_app, CHROME_ANDROID, "203.0.113.5", login="other@example.test")
    sign_in(notify_app, CHROME_ANDROID, "203.0.113.5")  # first for this account: learnt only
    told = rows(notify_app, kind="new_device")
    assert {row.account_id for row in told} == {other.id}
    assert {row.recipient for row in told} == {"other@example.test", "+84902223333"}
