"""Links on the storefront's pages (the templates' `url_for`, `media_url`, the JSON-LD's product
URLs) are built by `path_for` from one address per endpoint and request: each is exactly what
`url_for` builds, for every value, language and script root, and whatever `path_for` cannot
reuse is left to `url_for`."""
from __future__ import annotations

import pytest
from flask import Flask, url_for

from storefront.templating import media_url, path_for

ODD_TEXT = ["plain", "with space", "ünïcode-ķēdes", "a/b", "q?x=1#f", "100%", "semi;colon@at", "plus+and&amp",
            "quote'\"", "tilde~under_score", ""]


def in_request(app, query: str = "", base_url: str = "http://shop.test/shop"):
    context = app.test_request_context(f"/c/knitwear{query}", base_url=base_url)
    context.push()
    app.preprocess_request()
    return context


@pytest.mark.parametrize("query", ["", "?lang=lv", "?lang=es&sort=name"])
def test_every_link_is_what_url_for_builds(app, query):
    context = in_request(app, query)
    try:
        for text in ODD_TEXT:
            for endpoint, values in [
                ("catalog.product", {"slug": text or "x"}),
                ("catalog.category", {"slug": text or "x"}),
                ("media.media", {"filename": text or "x"}),
                ("static", {"filename": f"img/{text}.svg"}),
                ("review_pages.product_reviews", {"slug": text or "x", "rating": 5}),
                ("review_pages.product_reviews", {"slug": "s", "sort": text}),
                ("catalog.product", {"slug": "s", "variant": 12}),
                ("catalog.search", {"q": text}),
                ("review_forms.helpful", {"review_id": len(text) * 1000 + 7}),
                ("review_pages.confirm_form", {"to": f"/reviews/{text}/helpful"}),
            ]:
                # Twice: the first builds the endpoint's address, the second reuses it.
                assert path_for(endpoint, **values) == url_for(endpoint, **values), (endpoint, values)
                assert path_for(endpoint, **values) == url_for(endpoint, **values), (endpoint, values)
        assert media_url(None) == url_for("static", filename="img/placeholder.svg")
        assert media_url("demo/a b.jpg") == url_for("media.media", filename="demo/a b.jpg")
        assert path_for("catalog.product", slug="s").startswith("/shop/p/s")
    finally:
        context.pop()


def test_the_templates_build_links_with_it(app):
    assert app.jinja_env.globals["url_for"] is path_for
    context = in_request(app, "?lang=lv")
    try:
        rendered = app.jinja_env.from_string(
            "{{ url_for('catalog.product', slug=s) }} {{ url_for('catalog.product', slug=s, _anchor='reviews') }}"
            " {{ url_for('social.beacon', lang=None) }}").render(s="a b")
        assert rendered == " ".join([url_for("catalog.product", slug="a b"),
                                     url_for("catalog.product", slug="a b", _anchor="reviews"),
                                     url_for("social.beacon", lang=None)])
    finally:
        context.pop()


def test_what_cannot_be_reused_is_left_to_url_for():
    """Several rules or defaults (werkzeug picks the rule by the values), a converter that takes
    only some values, values that are neither text nor integers, relative endpoints."""
    app = Flask(__name__)

    @app.get("/list/", defaults={"page": 1})
    @app.get("/list/page/<int:page>")
    def listing(page):
        return ""

    @app.get("/colour/<any(red, blue):name>")
    def colour(name):
        return ""

    @app.get("/item/<int:item_id>")
    def item(item_id):
        return ""

    with app.test_request_context("/"):
        for endpoint, values in [("listing", {"page": 1}), ("listing", {"page": 2}), ("listing", {"page": 1}),
                                 ("colour", {"name": "red"}), ("colour", {"name": "blue"}),
                                 ("item", {"item_id": 5}), ("item", {"item_id": "6"}), ("item", {"item_id": 7}),
                                 ("item", {"item_id": 8, "flag": True}), ("item", {"item_id": 9, "flag": None}),
                                 ("item", {"item_id": 10, "flag": b"x y"}), ("item", {"item_id": 11, "_anchor": "a"})]:
            assert path_for(endpoint, **values) == url_for(endpoint, **values), (endpoint, values)
    app.config["SERVER_NAME"] = "shop.test"
    with app.app_context():  # no request: url_for's own rules apply
        assert path_for("item", item_id=3) == url_for("item", item_id=3)


def test_a_link_keeps_the_language_of_its_own_request(app):
    """The addresses are kept per process and kind of request: a later request without `?lang=`
    (in the same app context, as a test's or a task's) does not inherit the earlier one's."""
    with app.app_context():
        with app.test_request_context("/c/knitwear?lang=lv"):
            app.preprocess_request()
            assert path_for("catalog.product", slug="s").endswith("/p/s?lang=lv")
        with app.test_request_context("/c/knitwear"):
            app.preprocess_request()
            assert path_for("catalog.product", slug="s") == url_for("catalog.product", slug="s") == "/p/s"


def test_each_process_keeps_addresses_per_script_root_and_language(app):
    """Requests in turn, each kind twice (the second takes what the first built): every link is
    what `url_for` builds in that request, and none is built again."""
    kinds = [("http://shop.test/", ""), ("http://shop.test/", "?lang=lv"), ("http://shop.test/shop", ""),
             ("http://shop.test/shop", "?lang=es"), ("http://shop.test/", "?lang=xx")]
    for base_url, query in kinds * 2:
        context = app.test_request_context(f"/c/knitwear{query}", base_url=base_url)
        context.push()
        try:
            app.preprocess_request()
            for slug in ("s", "a b"):
                assert path_for("catalog.product", slug=slug) == url_for("catalog.product", slug=slug)
                assert path_for("review_forms.helpful", review_id=7) == url_for("review_forms.helpful", review_id=7)
        finally:
            context.pop()
    kept = app.extensions["shop_addresses"]  # (the app may have served other tests' requests)
    assert {("", None), ("", "lv"), ("/shop", None), ("/shop", "es")} <= set(kept)
    assert not any(language == "xx" for _, language in kept)


def test_the_language_switch_is_what_url_for_builds_and_its_addresses_are_bounded(app):
    """The switch's links carry the page's own query (its names come from outside): each is what
    `url_for` builds, and a crowd of made-up names does not grow what a process keeps."""
    from storefront.templating import KEPT_ADDRESSES, url_with_lang

    for n in range(KEPT_ADDRESSES + 50):
        query = f"?sort=price&junk{n}=a%20b" if n % 2 else f"?page=2&x{n}=1&lang=es"
        context = app.test_request_context(f"/c/knitwear{query}")
        context.push()
        try:
            app.preprocess_request()
            for language in ("en", "lv"):
                args = {**request_args(), "slug": "knitwear", "lang": language}
                assert url_with_lang(language) == url_for("catalog.category", **args)
        finally:
            context.pop()
    assert all(len(built) <= KEPT_ADDRESSES for built in app.extensions["shop_addresses"].values())


def request_args() -> dict:
    from flask import request

    return request.args.to_dict()
