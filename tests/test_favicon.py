"""The shop has a real favicon: /favicon.ico (which browsers ask for whatever a page links) is the
static file, cacheable and cookie-free, and every page's head links it."""
from __future__ import annotations

import io

from PIL import Image


def test_favicon_ico_is_the_shops_icon_and_cacheable(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype in ("image/vnd.microsoft.icon", "image/x-icon")
    icon = Image.open(io.BytesIO(response.get_data()))
    assert icon.format == "ICO" and {(16, 16), (32, 32), (48, 48)} <= set(icon.info["sizes"])
    assert "Set-Cookie" not in response.headers
    assert "max-age=86400" in response.headers["Cache-Control"]
    again = client.get("/favicon.ico", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    assert client.get("/favicon.ico").get_data() == client.get("/static/favicon.ico").get_data()


def test_the_page_head_links_the_favicon(client):
    page = client.get("/no-such-page").get_data(as_text=True)
    head = page[:page.index("</head>")]
    assert '<link rel="icon" href="/static/favicon.ico"' in head
