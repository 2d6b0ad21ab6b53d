"""What the cart says about an offer that does not apply yet, in the shopper's language."""
from __future__ import annotations

import pytest

from promotions.engine import Reason, Verdict


@pytest.mark.parametrize("language, words", [
    ("en", "Add 2 more items from this offer to get it."),
    ("es", "Añade 2 artículos más de esta oferta para conseguirla."),
    ("lv", "Pievienojiet vēl 2 šī piedāvājuma preces, lai to saņemtu."),
])
def test_a_quantity_still_missing_is_said_without_pasting_the_offers_benefit_into_the_sentence(app, language, words):
    """The cart writes the offer's name first ("Hats: buy 2, the third free"); the line after it
    read "…to get Buy 2, get 1 free." with a capital mid-sentence, and not which items counted."""
    from types import SimpleNamespace

    from promotions.messages import verdict_text

    with app.test_request_context(f"/?lang={language}"):
        import flask_babel

        flask_babel.refresh()
        assert verdict_text(Verdict(1, Reason.MIN_QUANTITY, missing=2), SimpleNamespace()) == words
