"""NIST SP 800-63B-4 §3.1.1.2 password rules, as the person choosing a password sees them."""

import pytest

from idp.authn.password import PasswordRejected
from idp.authn.password import check_policy


@pytest.mark.parametrize("password", [
    "correct horse battery staple",
    "Tôi yêu Sài Gòn vào mùa mưa",
    "🐉 dragons of Hạ Long bay 🐉",
    "the quick brown fox jumps over the lazy dog near the Mekong delta",
    "東京タワーと富士山の見える部屋です",
])
def test_long_passphrases_of_any_script_are_accepted(password):
    assert check_policy(password)


@pytest.mark.parametrize("password, reason", [
    ("fourteen chars", "at least 15"),
    ("passwordpassword1", "too common"),
    ("aaaaaaaaaaaaaaaaaaaa", "too common"),
    ("123456789012345678", "too common"),
    ("abcdefghijklmnopq", "too common"),
    ("abcabcabcabcabcabc", "too common"),
    ("x" * 257, "at most 256"),
])
def test_short_common_or_predictable_passwords_are_refused_with_a_reason(password, reason):
    with pytest.raises(PasswordRejected, match=reason):
        check_policy(password)


def test_personal_words_are_refused():
    with pytest.raises(PasswordRejected, match="name"):
        check_policy("nguyenminhan-loves-hanoi", context=("NguyenMinhAn",))


def test_no_composition_rules():
    assert check_policy("only lower case words here")
