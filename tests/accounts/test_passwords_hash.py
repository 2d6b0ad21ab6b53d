"""Staff passwords are hashed at werkzeug's full scrypt cost unless configured otherwise; the tests
lower the cost (tests/conftest.py), and a hash made at either cost is checked at its own."""
from __future__ import annotations

from werkzeug.security import check_password_hash

from storefront import config
from storefront.accounts.models import User
from storefront.accounts.service import authenticate
from tests.conftest import TEST_PASSWORD_HASH
from tests.factories import make_user


def test_the_shop_hashes_at_werkzeugs_full_scrypt_cost_by_default(app, monkeypatch, tmp_path):
    monkeypatch.delenv("PASSWORD_HASH_METHOD", raising=False)
    assert config.from_environment(tmp_path)["PASSWORD_HASH_METHOD"] == "scrypt"
    monkeypatch.setitem(app.config, "PASSWORD_HASH_METHOD", "scrypt")
    user = User(email="full-cost@example.com", role="support")
    user.set_password("correct horse battery staple")
    assert user.password_hash.startswith("scrypt:32768:8:1$")
    assert check_password_hash(user.password_hash, "correct horse battery staple")


def test_a_hash_names_its_cost_so_either_signs_in_whatever_the_setting(app, monkeypatch):
    cheap = make_user("cheap@example.com", "support", password="correct horse battery staple")
    assert cheap.password_hash.startswith(TEST_PASSWORD_HASH + "$")
    monkeypatch.setitem(app.config, "PASSWORD_HASH_METHOD", "scrypt")
    full = make_user("full@example.com", "support", password="correct horse battery staple")
    assert full.password_hash.startswith("scrypt:32768:8:1$")
    monkeypatch.setitem(app.config, "PASSWORD_HASH_METHOD", TEST_PASSWORD_HASH)
    assert authenticate("cheap@example.com", "correct horse battery staple") == cheap
    assert authenticate("full@example.com", "correct horse battery staple") == full
    assert authenticate("full@example.com", "wrong horse battery staple") is None
