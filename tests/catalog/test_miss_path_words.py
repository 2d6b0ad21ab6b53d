"""The templates' words (`_`, `gettext`, `ngettext`, `pgettext`, `npgettext`, `{% trans %}`) come
out exactly as Jinja's own newstyle gettext over flask_babel's translations makes them, in every
language, escaped or not, with or without variables, and follow `force_locale` inside a request
(an e-mail rendered while a page is answered)."""
from __future__ import annotations

import jinja2
import pytest
from flask_babel import force_locale, get_translations

from storefront.templating import template_gettext, template_ngettext

SOURCE = """\
{{ _('Reviews') }}|{{ _('Reviews') }}|{{ gettext('Add to cart') }}|{{ _('100%% wool') }}
|{{ _('Free shipping from %(amount)s', amount=amount) }}|{{ _(word) }}
|{{ ngettext('%(num)d review', '%(num)d reviews', 1) }}|{{ ngettext('%(num)d review', '%(num)d reviews', n) }}
|{{ ngettext('%(num)d item in your cart', '%(num)d items in your cart', n, num=n) }}
|{{ _('%(string)s and %(context)s', string=word, context=n) }}|{{ pgettext('stock', 'Sold out') }}|{{ npgettext('stock', 'Only %(num)d left', 'Only %(num)d left', 3) }}
|{% trans %}Reviews{% endtrans %}|{% trans count=n %}{{ count }} review{% pluralize %}{{ count }} reviews{% endtrans %}
|{% trans name=amount %}Hello {{ name }}{% endtrans %}"""
VALUES = {"amount": "<b>€40 & more</b>", "word": "Size", "n": 7}


def reference(autoescape: bool) -> jinja2.Environment:
    """Jinja's own newstyle gettext over flask_babel's translations: what the templates said before."""
    env = jinja2.Environment(extensions=["jinja2.ext.i18n"], autoescape=autoescape)
    env.install_gettext_callables(
        gettext=lambda s: get_translations().ugettext(s),
        ngettext=lambda s, p, n: get_translations().ungettext(s, p, n),
        pgettext=lambda c, s: get_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: get_translations().unpgettext(c, s, p, n),
        newstyle=True)
    return env


def shop_env(app, autoescape: bool) -> jinja2.Environment:
    env = app.jinja_env.overlay(autoescape=autoescape)
    assert env.globals["_"] is template_gettext and env.globals["ngettext"] is template_ngettext
    return env


@pytest.mark.parametrize("autoescape", [True, False])
@pytest.mark.parametrize("lang", ["en", "es", "lv"])
def test_words_are_what_jinjas_gettext_says(app, lang, autoescape):
    with app.app_context(), app.test_request_context(f"/?lang={lang}"):
        expected = reference(autoescape).from_string(SOURCE).render(**VALUES)
        for _ in range(2):  # the second time from the words kept
            assert shop_env(app, autoescape).from_string(SOURCE).render(**VALUES) == expected
        if lang != "en":  # the words are really translated
            assert get_translations().ugettext("Reviews") != "Reviews"
            assert expected.startswith(get_translations().ugettext("Reviews") + "|")
        assert "&lt;b&gt;" in expected if autoescape else "<b>" in expected


def test_a_format_error_is_still_an_error(app):
    with app.app_context(), app.test_request_context("/?lang=en"):
        with pytest.raises(ValueError):
            app.jinja_env.from_string("{{ _('100% wool') }}").render()


def test_words_follow_force_locale_inside_a_request(app):
    source = "{{ _('Add to cart') }}|{{ ngettext('%(num)d review', '%(num)d reviews', 2) }}"
    with app.app_context(), app.test_request_context("/?lang=lv"):
        template = app.jinja_env.from_string(source)
        latvian = template.render()
        with force_locale("es"):
            spanish = template.render()
            assert spanish == reference(True).from_string(source).render()
        assert template.render() == latvian == reference(True).from_string(source).render()
        assert spanish != latvian


def test_each_request_has_its_own_language(app, client):
    """A page in Latvian, then one in Spanish, then Latvian again: no words of another."""
    pages = {lang: client.get(f"/?lang={lang}").get_data(as_text=True) for lang in ("lv", "es")}
    assert client.get("/?lang=lv").get_data(as_text=True).count("<html lang=\"lv\"") == 1
    with app.app_context(), app.test_request_context("/?lang=es"):
        cart_es = get_translations().ugettext("Cart")
    with app.app_context(), app.test_request_context("/?lang=lv"):
        cart_lv = get_translations().ugettext("Cart")
    assert cart_es != cart_lv
    assert f">{cart_es}</span>" in pages["es"] and f">{cart_lv}</span>" not in pages["es"]
    assert f">{cart_lv}</span>" in pages["lv"] and f">{cart_es}</span>" not in pages["lv"]


@pytest.mark.parametrize("lang", ["en", "es", "lv"])
def test_the_python_words_are_flask_babels(app, lang):
    """`storefront.i18n.gettext`/`ngettext` (the stock states a product page names once a
    variant) say what flask_babel's say, and follow `force_locale`."""
    import flask_babel

    from storefront import i18n
    from storefront.catalog.pages import stock_state

    with app.app_context(), app.test_request_context(f"/?lang={lang}"):
        for _ in range(2):
            assert i18n.gettext("Sold out") == flask_babel.gettext("Sold out")
            assert i18n.gettext("Free shipping from %(amount)s", amount="€40") == \
                flask_babel.gettext("Free shipping from %(amount)s", amount="€40")
            for n in (1, 2, 5, 21):
                assert i18n.ngettext("Only %(num)d left", "Only %(num)d left", n) == \
                    flask_babel.ngettext("Only %(num)d left", "Only %(num)d left", n)
            assert stock_state(0).label == flask_babel.gettext("Sold out")
        other = "lv" if lang != "lv" else "es"
        with force_locale(other):
            assert i18n.gettext("Sold out") == flask_babel.gettext("Sold out")
            assert stock_state(0).label == flask_babel.gettext("Sold out") != "Sold out"
