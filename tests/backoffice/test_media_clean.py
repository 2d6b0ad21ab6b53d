"""`flask media clean`: pictures stored before uploads were cleaned lose their metadata once, under
new names, and the pages show the new files; what was clean, missing or broken is left alone."""
from __future__ import annotations

import io

import sqlalchemy as sa
from PIL import Image

from reviews.models import ReviewPhoto
from storefront.catalog.models import ProductImage
from storefront.extensions import db
from storefront.storage import random_name, storage
from tests.factories import make_product
from tests.reviews.factories import make_delivered_order, make_review
from tests.reviews.test_photo_metadata import UPLOADS, assert_says_nothing


def stored_as_uploaded_before(folder: str, data: bytes) -> str:
    """A file as the shop stored uploads before it cleaned them: the bytes as they came."""
    name = random_name(folder, {"JPEG": "jpg", "PNG": "png"}[Image.open(io.BytesIO(data)).format])
    storage().save(name, data)
    return name


def test_old_pictures_are_cleaned_under_new_names_once_and_the_pages_show_them(app, client):
    product = make_product("Gauja pullover")
    phone = UPLOADS["phone JPEG"]()
    clean_png = io.BytesIO()
    Image.new("RGB", (30, 30), "navy").save(clean_png, "PNG")
    old_image, clean_image_name = (stored_as_uploaded_before("products", phone),
                                   stored_as_uploaded_before("products", clean_png.getvalue()))
    db.session.add_all([ProductImage(product_id=product.id, filename=old_image, width=40, height=20, position=0),
                        ProductImage(product_id=product.id, filename=clean_image_name, width=30, height=30, position=1),
                        ProductImage(product_id=product.id, filename="products/gone.jpg", width=1, height=1,
                                     position=2)])
    copy = make_product("Gauja pullover, copy")  # a copied product shows the same file
    db.session.add(ProductImage(product_id=copy.id, filename=old_image, width=40, height=20, position=0))
    review = make_review(make_delivered_order(product.variants[0]), 5)
    old_photo = stored_as_uploaded_before("reviews", UPLOADS["PNG"]())
    db.session.add(ReviewPhoto(review_id=review.id, filename=old_photo, width=40, height=20, position=0))
    db.session.commit()
    assert old_image in client.get(f"/p/{product.slug}").get_data(as_text=True)

    result = app.test_cli_runner().invoke(args=["media", "clean", "--quiet"])

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "cleaned: 2, already clean: 2, missing: 1, too large: 0, unreadable: 0"
    db.session.expire_all()
    image = db.session.scalar(sa.select(ProductImage).where(ProductImage.product_id == product.id,
                                                            ProductImage.position == 0))
    assert db.session.scalar(sa.select(ProductImage.filename).where(ProductImage.product_id == copy.id)) \
        == image.filename
    photo = db.session.scalar(sa.select(ReviewPhoto))
    for row, old in ((image, old_image), (photo, old_photo)):
        assert row.filename != old and row.filename.split("/")[0] == old.split("/")[0]
        assert (row.width, row.height) == (20, 40)  # turned upright
        assert not storage().exists(old)
        assert assert_says_nothing(storage().read(row.filename)).size == (20, 40)
    assert db.session.scalar(sa.select(ProductImage.filename).where(ProductImage.position == 1)) == clean_image_name
    page = client.get(f"/p/{product.slug}").get_data(as_text=True)
    assert image.filename in page and old_image not in page

    again = app.test_cli_runner().invoke(args=["media", "clean", "--quiet"])
    assert again.output.strip() == "cleaned: 0, already clean: 4, missing: 1, too large: 0, unreadable: 0"
    db.session.expire_all()
    assert db.session.scalar(sa.select(ReviewPhoto.filename)) == photo.filename
