"""Product images: only real pictures of a sane size are stored; staff order, describe and remove them."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from storefront.catalog.models import ProductImage
from storefront.extensions import db
from tests.factories import make_product

from .conftest import audit_actions, image_bytes


def upload(client, product, data: bytes, filename="photo.png", alt="A navy beanie"):
    return client.post(f"/admin/products/{product.id}/images",
                       data={"image": (io.BytesIO(data), filename), "alt": alt},
                       content_type="multipart/form-data")


def stored_files(app) -> list[Path]:
    folder = Path(app.config["UPLOAD_FOLDER"]) / "products"
    return sorted(folder.glob("*")) if folder.exists() else []


@pytest.fixture
def product():
    return make_product("Beanie")


@pytest.mark.parametrize("fmt, extension", [("PNG", "png"), ("JPEG", "jpg"), ("WEBP", "webp"), ("GIF", "gif")])
def test_admin_uploads_an_image_that_is_stored_under_a_random_name(client, app, admin, product, fmt, extension):
    before = stored_files(app)
    response = upload(client, product, image_bytes(fmt, size=(64, 48)), filename="../../evil name.php")
    assert response.status_code == 302
    image = db.session.scalar(sa.select(ProductImage))
    assert (image.width, image.height, image.alt) == (64, 48, "A navy beanie")
    assert image.filename.startswith("products/") and image.filename.endswith(f".{extension}")
    assert "evil" not in image.filename
    new_files = set(stored_files(app)) - set(before)
    assert [p.name for p in new_files] == [Path(image.filename).name]
    served = client.get(f"/media/{image.filename}")
    assert served.status_code == 200
    picture = Image.open(io.BytesIO(served.data))
    assert (picture.format, picture.size) == (fmt, (64, 48))
    assert audit_actions() == ["image.create"]


def test_a_phone_photo_is_stored_upright_and_without_its_metadata(client, app, admin, product):
    """As a shopper's review photo (tests/reviews/test_photo_metadata.py): a brand's phone tags its
    pictures with the studio's place and the phone's serial too."""
    from tests.reviews.test_photo_metadata import UPLOADS, assert_says_nothing

    response = upload(client, product, UPLOADS["phone JPEG"](), filename="IMG_0001.jpg")
    assert response.status_code == 302
    image = db.session.scalar(sa.select(ProductImage))
    assert (image.width, image.height) == (20, 40)
    assert assert_says_nothing(client.get(f"/media/{image.filename}").data).size == (20, 40)


@pytest.mark.parametrize("data, filename", [
    (b"<?php system($_GET['c']); ?>", "shell.png"),
    (b"%PDF-1.4 not a picture", "scan.jpg"),
    (image_bytes("PNG")[:60], "truncated.png"),
    (image_bytes("BMP"), "old.bmp"),
    (b"", "empty.png"),
])
def test_a_file_that_is_not_an_allowed_image_gets_a_form_error_and_nothing_is_written(
        client, app, admin, product, data, filename):
    before = stored_files(app)
    response = upload(client, product, data, filename=filename)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "not a JPEG, PNG, WebP or GIF image" in page or "The file is empty." in page \
        or "Choose an image file." in page
    assert db.session.scalar(sa.select(sa.func.count(ProductImage.id))) == 0
    assert stored_files(app) == before and audit_actions() == []


def test_an_image_above_the_size_limit_gets_413_and_nothing_is_written(client, app, admin, product, monkeypatch):
    big = image_bytes("PNG", size=(300, 300))
    monkeypatch.setitem(app.config, "MAX_IMAGE_BYTES", len(big) - 1)
    before = stored_files(app)
    response = upload(client, product, big)
    assert response.status_code == 413
    assert "Images can be at most" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(ProductImage.id))) == 0
    assert stored_files(app) == before


def test_an_image_with_huge_dimensions_gets_413(client, app, admin, product, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_IMAGE_DIMENSION", 100)
    response = upload(client, product, image_bytes("PNG", size=(101, 20)))
    assert response.status_code == 413
    assert "pixels wide and high" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(ProductImage.id))) == 0


def test_a_request_larger_than_any_upload_may_be_is_refused_before_the_view(client, app, admin, product, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 10_000)
    response = upload(client, product, b"\x89PNG" + b"0" * 20_000)
    assert response.status_code == 413
    assert db.session.scalar(sa.select(sa.func.count(ProductImage.id))) == 0


def test_admin_reorders_describes_and_deletes_images(client, app, admin, product):
    for colour in [(255, 0, 0), (0, 255, 0), (0, 0, 255)]:
        assert upload(client, product, image_bytes("PNG", colour=colour), alt=str(colour)).status_code == 302
    first, second, third = db.session.scalars(sa.select(ProductImage).order_by(ProductImage.position)).all()
    assert client.post(f"/admin/images/{third.id}/move", data={"direction": "up"}).status_code == 302
    db.session.expire_all()
    assert [i.id for i in product.images] == [first.id, third.id, second.id]
    assert client.post(f"/admin/images/{third.id}/move", data={"direction": "sideways"}).status_code == 400
    assert client.post(f"/admin/images/{second.id}/alt", data={"alt": "Green, folded"}).status_code == 302
    db.session.expire_all()
    assert second.alt == "Green, folded"
    path = Path(app.config["UPLOAD_FOLDER"]) / first.filename
    assert path.exists()
    assert client.post(f"/admin/images/{first.id}/delete").status_code == 302
    db.session.expire_all()
    assert [i.id for i in product.images] == [third.id, second.id]
    assert not path.exists()
    assert audit_actions()[-3:] == ["image.move", "image.alt", "image.delete"]


def test_the_product_page_lists_its_images_with_their_size(client, admin, product):
    upload(client, product, image_bytes("PNG", size=(64, 48)))
    page = client.get(f"/admin/products/{product.id}").get_data(as_text=True)
    assert "64 × 48" in page and 'alt="A navy beanie"' in page
