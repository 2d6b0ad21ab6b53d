"""Where uploaded files live: the upload folder (the default), or an S3-compatible bucket that every
app node shares (MEDIA_STORAGE=s3).

A file is known by its name, a relative path such as `products/<random>.png`: the database row keeps
it and `/media/<name>` serves it (`storefront.media`), whichever store holds it. Product images and
reviewers' photos get names from `random_name`, never reused for other bytes, so whatever caches
them may keep them for good. `storage()` is the current app's store, made when it is first asked
for (nothing is created at import).

In a bucket, a name is stored under the key S3_PREFIX + name, in S3_BUCKET at S3_ENDPOINT_URL (empty
for AWS itself) in S3_REGION; boto3 finds the credentials where it always does (AWS_ACCESS_KEY_ID
and AWS_SECRET_ACCESS_KEY, a profile, an instance role).
"""
from __future__ import annotations

import datetime as dt
import mimetypes
import os
import posixpath
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from flask import current_app

EXTENSION_KEY = "storefront.storage"


class InvalidName(ValueError):
    """A name that is not a plain relative path (absolute, with `..`, empty): never stored or served."""


@dataclass
class StoredFile:
    """An open stored file: read `stream` (and close it), with what an HTTP response needs."""

    stream: BinaryIO
    size: int
    modified: dt.datetime | None
    etag: str | None  # without quotes


class Storage(Protocol):
    def save(self, name: str, data: bytes) -> None:
        """Store `data` under `name`, replacing what was there; readers never see half a file."""

    def open(self, name: str) -> StoredFile:
        """:raise FileNotFoundError: :raise InvalidName:"""

    def read(self, name: str) -> bytes:
        """The whole file. :raise FileNotFoundError: :raise InvalidName:"""

    def delete(self, name: str) -> None:
        """Remove the file; a name that is not there is not an error."""

    def exists(self, name: str) -> bool: ...


def check_name(name: str) -> str:
    """The name, if it is a plain relative path with "/" separators. :raise InvalidName:"""
    if (not name or "\\" in name or "\0" in name or name.startswith("/")
            or posixpath.normpath(name) != name or name == "." or name.split("/")[0] == ".."):
        raise InvalidName(name)
    return name


def random_name(folder: str, extension: str) -> str:
    """A new name nobody can choose or guess, `folder/<32 hex digits>.<extension>`."""
    return f"{folder}/{secrets.token_hex(16)}.{extension}"


def content_type(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


class LocalStorage:
    """Files under a folder on this machine (UPLOAD_FOLDER): one app node, or a shared volume."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def path(self, name: str) -> Path:
        return self.root / check_name(name)

    def save(self, name: str, data: bytes) -> None:
        target = self.path(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        # Written beside the target and renamed over it: a request serving the name meanwhile
        # gets the old file or the new one, never a part.
        descriptor, partial = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".part")
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(data)
                # mkstemp makes the file private (0600); an upload is public, as a plain write made it.
                os.fchmod(file.fileno(), 0o644)
            os.replace(partial, target)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise

    def open(self, name: str) -> StoredFile:
        path = self.path(name)
        if not path.is_file():
            raise FileNotFoundError(name)
        stream = path.open("rb")
        stat = os.fstat(stream.fileno())
        return StoredFile(stream, stat.st_size, dt.datetime.fromtimestamp(stat.st_mtime, dt.timezone.utc),
                          f"{stat.st_mtime_ns:x}-{stat.st_size:x}")

    def read(self, name: str) -> bytes:
        with self.open(name).stream as stream:
            return stream.read()

    def delete(self, name: str) -> None:
        self.path(name).unlink(missing_ok=True)

    def exists(self, name: str) -> bool:
        return self.path(name).is_file()


class S3Storage:
    """Objects in an S3-compatible bucket, shared by every app node and the worker."""

    def __init__(self, client: Any, bucket: str, prefix: str = ""):
        self.client, self.bucket, self.prefix = client, bucket, prefix

    def key(self, name: str) -> str:
        return self.prefix + check_name(name)

    def save(self, name: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self.key(name), Body=data, ContentType=content_type(name))

    def open(self, name: str) -> StoredFile:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.key(name))
        except self.client.exceptions.NoSuchKey:
            raise FileNotFoundError(name) from None
        return StoredFile(answer["Body"], answer["ContentLength"], answer.get("LastModified"),
                          (answer.get("ETag") or "").strip('"') or None)

    def read(self, name: str) -> bytes:
        stream = self.open(name).stream
        try:
            return stream.read()
        finally:
            stream.close()

    def delete(self, name: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.key(name))  # S3 answers 204 for a missing key too

    def exists(self, name: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key(name))
        except self.client.exceptions.ClientError as error:
            if error.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                return False
            raise
        return True


def remove_after_failure(store: Storage, names: list[str]) -> None:
    """Delete what a failed use case wrote. Runs while that failure is on its way up: a store that
    fails now too is logged (the file stays, unused), never raised over the first error."""
    for name in names:
        try:
            store.delete(name)
        except Exception:
            current_app.logger.exception("could not remove %s after a failed write", name)


def s3_client(endpoint_url: str | None, region: str) -> Any:
    # boto3 is imported only by a shop that stores in a bucket: it adds about 0.3 s to every
    # process start that would not use it.
    import boto3
    from botocore.config import Config

    config = Config(
        retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=30,
        # S3-compatible servers (MinIO, Ceph, a test server) answer on one host name, so the
        # bucket goes in the path there; AWS itself gets its own default.
        s3={"addressing_style": "path"} if endpoint_url else None,
        # More than the threads of one worker process, so no request waits for a connection.
        max_pool_connections=20,
    )
    # A session of its own: boto3's default session is not safe to share between threads.
    return boto3.session.Session().client("s3", endpoint_url=endpoint_url or None, region_name=region,
                                          config=config)


def from_config(config: dict) -> Storage:
    """The store the settings name. :raise ValueError: for another MEDIA_STORAGE, or s3 without a bucket."""
    kind = (config.get("MEDIA_STORAGE") or "local").lower()
    if kind == "local":
        return LocalStorage(config["UPLOAD_FOLDER"])
    if kind == "s3":
        if not config.get("S3_BUCKET"):
            raise ValueError("MEDIA_STORAGE=s3 needs S3_BUCKET")
        return S3Storage(s3_client(config.get("S3_ENDPOINT_URL"), config.get("S3_REGION") or "us-east-1"),
                         config["S3_BUCKET"], config.get("S3_PREFIX") or "")
    raise ValueError(f"MEDIA_STORAGE must be local or s3, not {kind!r}")


def _settings(config: dict) -> tuple:
    return tuple(config.get(key) for key in ("MEDIA_STORAGE", "UPLOAD_FOLDER", "S3_BUCKET", "S3_ENDPOINT_URL",
                                              "S3_REGION", "S3_PREFIX"))


def storage() -> Storage:
    """The current app's store, made once per process (and again if its settings change)."""
    app = current_app._get_current_object()
    settings = _settings(app.config)
    made = app.extensions.get(EXTENSION_KEY)
    if made is None or made[0] != settings:
        made = app.extensions[EXTENSION_KEY] = (settings, from_config(app.config))
    return made[1]
