from __future__ import annotations

import pytest

from .shop_data import build_knitwear_shop


@pytest.fixture
def knitwear_shop():
    """The small knitwear catalog, committed before the browser opens a page."""
    return build_knitwear_shop()


@pytest.fixture
def narrow_page(browser):
    """A page the width of a social page tab (520 px)."""
    context = browser.new_context(viewport={"width": 520, "height": 900}, locale="en-GB")
    page = context.new_page()
    yield page
    context.close()
