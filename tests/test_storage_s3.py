"""Uploads in an S3-compatible bucket (MEDIA_STORAGE=s3), as several app nodes share them.

The bucket is moto's S3 server on a free loopback port, spoken to over real HTTP by real boto3, as a
production bucket would be. Each test stores under a prefix of its own. The same store contract is
checked on the upload folder too, so both stores behave alike.
"""
from __future__ import annotations

import io
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from reviews import service as review_service, signals
from reviews.models import CollectionMethod, Review
from storefront import storage as storage_module
from storefront.catalog.models import ProductImage
from storefront.demo import data as demo_data
from storefront.demo.content import PRODUCTS
from storefront.demo.images import Studio
from storefront.extensions import db
from storefront.storage import InvalidName, LocalStorage, S3Storage, from_config, storage
from tests.backoffice.conftest import sign_in
from tests.factories import make_product, make_user
from tests.reviews.factories import make_delivered_order
from tests.reviews.write_support import LATER

BUCKET = "shop-media-test"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
               # Never ask an instance metadata service (none here) for credentials.
               "AWS_EC2_METADATA_DISABLED": "true"}


@pytest.fixture(scope="session")
def s3_server():
    """moto's S3 server in this process, on a free loopback port; the bucket made once."""
    from moto.server import ThreadedMotoServer

    patch = pytest.MonkeyPatch()
    for name, value in CREDENTIALS.items():
        patch.setenv(name, value)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    storage_module.s3_client(endpoint, "us-east-1").create_bucket(Bucket=BUCKET)
    yield endpoint
    server.stop()
    patch.undo()


@pytest.fixture
def bucket(app, s3_server, monkeypatch):
    """The app stores in the bucket, under a prefix of this test's own; yields a boto3 client."""
    prefix = f"test-{uuid.uuid4().hex[:10]}/"
    for key, value in {"MEDIA_STORAGE": "s3", "S3_BUCKET": BUCKET, "S3_ENDPOINT_URL": s3_server,
                       "S3_REGION": "us-east-1", "S3_PREFIX": prefix}.items():
        monkeypatch.setitem(app.config, key, value)
    client = storage_module.s3_client(s3_server, "us-east-1")
    client.prefix = prefix
    return client


def keys(client) -> dict[str, bytes]:
    """Every object under the test's prefix: name (without the prefix) → bytes."""
    listed = client.list_objects_v2(Bucket=BUCKET, Prefix=client.prefix).get("Contents", [])
    return {item["Key"].removeprefix(client.prefix):
            client.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read() for item in listed}


def png(size=(64, 48), colour=(30, 60, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def sign_in_admin(client) -> None:
    sign_in(client, make_user("admin@example.com", "admin"))


def local_files(app, folder: str) -> list[Path]:
    root = Path(app.config["UPLOAD_FOLDER"]) / folder
    return sorted(root.rglob("*")) if root.exists() else []


# --- the back office's upload, served back by /media/ -------------------------------------------

def test_an_image_uploaded_in_the_back_office_lands_in_the_bucket_and_media_serves_it(app, client, bucket):
    sign_in_admin(client)
    product = make_product("Beanie")
    before_on_disk = local_files(app, "products")
    data = png()
    response = client.post(f"/admin/products/{product.id}/images", content_type="multipart/form-data",
                           data={"image": (io.BytesIO(data), "beanie.png"), "alt": "A blue beanie"})
    assert response.status_code == 302
    image = db.session.scalar(sa.select(ProductImage))
    assert image.filename.startswith("products/") and image.filename.endswith(".png")
    # In the bucket under the prefix, with its type; nothing in this node's folder.
    assert keys(bucket) == {image.filename: data}
    head = bucket.head_object(Bucket=BUCKET, Key=bucket.prefix + image.filename)
    assert head["ContentType"] == "image/png"
    assert local_files(app, "products") == before_on_disk

    served = client.get(f"/media/{image.filename}")
    assert served.status_code == 200 and served.data == data
    assert served.mimetype == "image/png" and served.content_length == len(data)
    # A random name is never given other bytes: caches may keep it for good.
    assert served.cache_control.public and served.cache_control.immutable
    assert served.cache_control.max_age == 365 * 86400
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    etag = served.headers["ETag"]
    assert etag.strip('"') == head["ETag"].strip('"')
    again = client.get(f"/media/{image.filename}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    part = client.get(f"/media/{image.filename}", headers={"Range": "bytes=0-7"})
    assert part.status_code == 206 and part.data == data[:8]

    # Deleting the image removes the object; /media/ then answers 404.
    assert client.post(f"/admin/images/{image.id}/delete").status_code == 302
    assert keys(bucket) == {}
    assert client.get(f"/media/{image.filename}").status_code == 404


def test_a_refused_upload_writes_nothing_to_the_bucket(client, bucket):
    sign_in_admin(client)
    product = make_product("Beanie")
    response = client.post(f"/admin/products/{product.id}/images", content_type="multipart/form-data",
                           data={"image": (io.BytesIO(b"%PDF-1.4 not a picture"), "scan.png"), "alt": ""})
    assert response.status_code == 400
    assert keys(bucket) == {}


def test_an_image_for_a_product_gone_meanwhile_leaves_no_object(app, bucket):
    from storefront.catalog.editing import CatalogItemNotFound
    from storefront.catalog.images import add_image

    with app.test_request_context(), pytest.raises(CatalogItemNotFound):
        add_image(None, 999_999, io.BytesIO(png()))
    assert keys(bucket) == {}


def test_media_names_outside_the_store_are_not_found(client, bucket):
    for path in ("/media/../secret.txt", "/media/%2e%2e/secret.txt", "/media/products//x.png",
                 "/media/products/missing.png"):
        assert client.get(path).status_code == 404, path


# --- reviewers' photos ----------------------------------------------------------------------------

def write_review(order, photos: list[bytes]) -> Review:
    draft = review_service.ReviewDraft(rating=5, language="en", author_name="Anna B.", photos=photos)
    return review_service.write_verified_review(order.lines[0].id, draft,
                                                collection_method=CollectionMethod.UNSOLICITED, now=LATER)


def test_review_photos_go_to_the_bucket_and_a_rolled_back_review_leaves_none(app, client, bucket):
    with app.test_request_context():
        first, second = png(colour=(1, 2, 3)), png(size=(10, 20))
        review = write_review(make_delivered_order(), [first, second])
        db.session.refresh(review)
        names = [photo.filename for photo in review.photos]
        assert keys(bucket) == {names[0]: first, names[1]: second}
        assert all(name.startswith("reviews/") for name in names)

        def explode(sender, **kwargs):
            raise RuntimeError("a receiver failed")

        with signals.review_submitted.connected_to(explode), pytest.raises(RuntimeError):
            write_review(make_delivered_order(), [png(colour=(9, 9, 9))])
        assert sorted(keys(bucket)) == sorted(names)
    served = client.get(f"/media/{names[1]}")
    assert served.status_code == 200 and served.data == second and served.cache_control.immutable


# --- the demo's pictures --------------------------------------------------------------------------

def test_the_demo_loader_draws_pictures_into_the_bucket_once(app, client, bucket):
    spec = PRODUCTS[0]
    with app.test_request_context():
        assert demo_data._draw_pictures(spec, storage(), Studio()) == len(spec.colours)
        assert demo_data._draw_pictures(spec, storage(), Studio()) == 0  # already there
    name = demo_data.image_name(spec, spec.colours[0])
    stored = keys(bucket)
    assert set(stored) == {demo_data.image_name(spec, colour) for colour in spec.colours}
    with Image.open(io.BytesIO(stored[name])) as picture:
        assert picture.format == "JPEG" and picture.size == (800, 800)
    served = client.get(f"/media/{name}")
    assert served.status_code == 200 and served.data == stored[name]
    # Named after the product and colour, so it may be drawn anew: kept a day, not for good.
    assert served.cache_control.max_age == 86400 and not served.cache_control.immutable


# --- one contract, both stores --------------------------------------------------------------------

@pytest.fixture(params=["local", "s3"])
def store(request, app, tmp_path):
    if request.param == "local":
        return LocalStorage(tmp_path / "uploads")
    request.getfixturevalue("bucket")
    with app.app_context():
        made = storage()
    assert isinstance(made, S3Storage)
    return made


def test_a_store_saves_reads_replaces_and_deletes_by_name(store):
    assert not store.exists("products/a.png")
    store.save("products/a.png", b"first")
    assert store.exists("products/a.png") and store.read("products/a.png") == b"first"
    store.save("products/a.png", b"second, longer")
    opened = store.open("products/a.png")
    with opened.stream as stream:
        assert stream.read() == b"second, longer"
    assert opened.size == len(b"second, longer") and opened.etag and opened.modified.tzinfo is not None
    store.delete("products/a.png")
    store.delete("products/a.png")  # already gone: not an error
    assert not store.exists("products/a.png")
    with pytest.raises(FileNotFoundError):
        store.open("products/a.png")


@pytest.mark.parametrize("name", ["", "/etc/passwd", "../up.png", "a/../../up.png", "a//b.png", "a/./b.png",
                                  "a\\b.png", "."])
def test_a_store_refuses_names_that_are_not_plain_relative_paths(store, name):
    with pytest.raises(InvalidName):
        store.save(name, b"x")
    with pytest.raises(InvalidName):
        store.open(name)


def test_the_settings_name_the_store(tmp_path):
    assert isinstance(from_config({"MEDIA_STORAGE": "local", "UPLOAD_FOLDER": str(tmp_path)}), LocalStorage)
    with pytest.raises(ValueError, match="S3_BUCKET"):
        from_config({"MEDIA_STORAGE": "s3", "S3_BUCKET": ""})
    with pytest.raises(ValueError, match="local or s3"):
        from_config({"MEDIA_STORAGE": "ftp", "UPLOAD_FOLDER": str(tmp_path)})
