"""The rule every staff password meets, wherever it is chosen (invitation, reset, change, CLI).

At least `STAFF_PASSWORD_MIN_LENGTH` characters and a zxcvbn score of at least
`STAFF_PASSWORD_MIN_SCORE`. zxcvbn (Dropbox's estimator; the `zxcvbn` package ships its data) scores
a password by the cheapest way to guess it: its lists of common and breached passwords (the
30,000 most used), English words, names and TV/film words, keyboard patterns, dates, repeats and
l33t substitutions, plus the words we hand it (the member's e-mail, the shop's name). That is
NIST SP 800-63B's "compare against commonly used, expected or compromised values", without a
network call at run time and without composition rules.
"""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from zxcvbn import zxcvbn

from ..errors import ShopError

# zxcvbn's running time grows with length; the forms refuse longer input anyway.
MAX_PASSWORD_LENGTH = 256
# zxcvbn is only asked about the first characters (its own advice for long inputs): a long
# password is not weak for what comes after them.
SCORED_PREFIX = 100


class WeakPassword(ShopError):
    code = "weak_password"
    status = 400
    default_message = _l("Choose a password that is harder to guess: avoid common passwords, words, "
                         "names, dates and keyboard patterns, or use a few unrelated words.")


def personal_words(email: str, shop_name: str) -> list[str]:
    """What an attacker who knows whose account it is would try first."""
    local = email.split("@", 1)[0]
    return [email, local, *re.split(r"[._+\-]+", local), shop_name, *shop_name.split()]


def check_password(password: str, *, email: str, shop_name: str, min_length: int, min_score: int,
                   field: str = "password") -> None:
    """Accept `password` for the staff member `email`, or :raise WeakPassword: naming `field`."""
    if len(password) < min_length:
        raise WeakPassword(_l("Passwords need at least %(n)d characters.", n=min_length), field=field)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise WeakPassword(_l("Passwords may have at most %(n)d characters.", n=MAX_PASSWORD_LENGTH), field=field)
    if zxcvbn(password[:SCORED_PREFIX], user_inputs=personal_words(email, shop_name))["score"] < min_score:
        raise WeakPassword(field=field)
