"""A ``[[publish]]`` target's bucket through boto3: list, read the manifest, upload, delete, CORS.

Credentials come only from where boto3 looks for them (the environment, a profile), or from the
environment variables the target names; never from statuspage.toml.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from typing import Any

import boto3
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError

from ..errors import StatuspageError
from ..model import PublishTarget
from .plan import MANIFEST, LocalFile

# A rule other sites' scripts need to read the API and the feeds (GET only, any origin).
CORS_RULE: dict[str, Any] = {
    "ID": "statuspage-public-read",
    "AllowedMethods": ["GET", "HEAD"],
    "AllowedOrigins": ["*"],
    "AllowedHeaders": ["*"],
    "MaxAgeSeconds": 3600,
}


class PublishError(StatuspageError):
    """A target could not be read or written: one line naming the target, no traceback."""


def describe(error: Exception) -> str:
    """A network, credential or S3 error as one line."""
    if isinstance(error, ClientError):
        info = error.response.get("Error", {})
        code = info.get("Code", "error")
        message = info.get("Message") or error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "")
        return f"{code}: {message}" if message else str(code)
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def client_config(target: PublishTarget) -> BotoConfig:
    """Botocore settings: other S3-compatible servers than AWS need checksums only where S3 requires them.

    Since botocore 1.36 every upload carries a CRC32 checksum by default, which R2, B2, MinIO
    and others reject or mishandle; ``when_required`` is the behaviour before 1.36.
    """
    options: dict[str, Any] = {
        "retries": {"max_attempts": 3, "mode": "standard"},
        "connect_timeout": 10,
        "read_timeout": 60,
        "max_pool_connections": 16,
    }
    if target.endpoint_url is not None:
        options["request_checksum_calculation"] = "when_required"
        options["response_checksum_validation"] = "when_required"
        options["s3"] = {"addressing_style": "path"}  # no DNS name per bucket on a plain server
    return BotoConfig(**options)


class Bucket:
    """One target's bucket and prefix; the client is shared by the upload threads (boto3 clients are thread-safe)."""

    def __init__(self, target: PublishTarget) -> None:
        self.target = target
        keys: dict[str, str] = {}
        if target.access_key_id_env is not None and target.secret_access_key_env is not None:
            missing = [
                name for name in (target.access_key_id_env, target.secret_access_key_env) if not os.environ.get(name)
            ]
            if missing:
                raise PublishError(f"environment variable {missing[0]} is not set")
            keys = {
                "aws_access_key_id": os.environ[target.access_key_id_env],
                "aws_secret_access_key": os.environ[target.secret_access_key_env],
            }
        try:
            session = boto3.session.Session(profile_name=target.profile, region_name=target.region, **keys)
            self.client = session.client("s3", endpoint_url=target.endpoint_url, config=client_config(target))
        except (BotoCoreError, ClientError) as error:
            raise PublishError(describe(error)) from None
        self._lock = threading.Lock()

    def key(self, path: str) -> str:
        return self.target.prefix + path

    def listed(self) -> Iterator[str]:
        """Every object below the prefix, as paths relative to it (the manifest left out)."""
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.target.bucket, Prefix=self.target.prefix
        )
        for page in pages:
            for item in page.get("Contents", []):
                path = item["Key"][len(self.target.prefix) :]
                if path != MANIFEST:
                    yield path

    def manifest(self) -> dict[str, str]:
        """What the last publish uploaded, path → digest; empty when there is none (or it is unreadable)."""
        try:
            body = self.client.get_object(Bucket=self.target.bucket, Key=self.key(MANIFEST))["Body"].read()
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return {}
            raise
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return {}  # a damaged manifest costs uploading everything again, never a wrong site
        files = data.get("files") if isinstance(data, dict) else None
        return {str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else {}

    def upload(self, file: LocalFile, body: bytes) -> None:
        headers = file.kind.headers()
        self.client.put_object(
            Bucket=self.target.bucket,
            Key=self.key(file.path),
            Body=body,
            ContentType=headers["Content-Type"],
            CacheControl=headers["Cache-Control"],
            Metadata={"statuspage-digest": file.digest},
        )

    def delete(self, paths: list[str]) -> None:
        """Delete objects, a thousand a request (the S3 limit); any error stops the publish."""
        for start in range(0, len(paths), 1000):
            chunk = paths[start : start + 1000]
            answer = self.client.delete_objects(
                Bucket=self.target.bucket,
                Delete={"Objects": [{"Key": self.key(path)} for path in chunk], "Quiet": True},
            )
            if answer.get("Errors"):
                first = answer["Errors"][0]
                raise PublishError(f"could not delete {first.get('Key')}: {first.get('Code')}: {first.get('Message')}")

    def save_manifest(self, files: dict[str, str]) -> None:
        body = json.dumps({"version": 1, "files": files}, sort_keys=True, separators=(",", ":")).encode()
        self.client.put_object(
            Bucket=self.target.bucket,
            Key=self.key(MANIFEST),
            Body=body,
            ContentType="application/json",
            CacheControl="no-store",
        )

    def ensure_cors(self) -> str | None:
        """Add our CORS rule to the bucket's configuration unless it is there; a message when that is not allowed."""
        bucket = self.target.bucket
        try:
            try:
                rules = self.client.get_bucket_cors(Bucket=bucket).get("CORSRules", [])
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") != "NoSuchCORSConfiguration":
                    raise
                rules = []
            if any(rule.get("ID") == CORS_RULE["ID"] for rule in rules):
                return None
            self.client.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [*rules, CORS_RULE]})
        except ClientError as error:
            return f"could not set the bucket's CORS configuration ({describe(error)}); see docs/deploy.md"
        return None
