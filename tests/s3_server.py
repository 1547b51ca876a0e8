"""A real S3-compatible server for tests: moto's server mode (`moto[server]`, a dev
dependency) in a child process on a free loopback port, spoken to over HTTP by boto3 as a
bucket of MinIO or Amazon S3 would be, and stopped by its PID.

Not moto's in-process mocks: requests leave the portal's process, so signing, addressing,
ACLs and errors are those of an HTTP server."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from functools import cached_property
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

ACCESS_KEY = "cdp-test-access-key"
SECRET_KEY = "cdp-test-secret-key"
REGION = "us-east-1"
STORAGE_BACKEND = "cdp_portal.core.s3_storage.PrivateS3Storage"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class S3Server:
    def __init__(self, log_path: Path) -> None:
        self.port = free_port()
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> None:
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(
                    f"moto server did not start on {self.endpoint_url}:\n"
                    + self.log_path.read_text(errors="replace")[-2000:]
                )
            time.sleep(0.1)

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.endpoint_url}/moto-api/", timeout=1):
                return True
        except (urllib.error.URLError, OSError):
            return False

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    @cached_property
    def _client(self) -> Any:
        # One client: building one loads botocore's service models (about half a second).
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            config=Config(s3={"addressing_style": "path"}),
        )

    def client(self) -> Any:
        return self._client

    def create_bucket(self) -> str:
        name = f"cdp-test-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def environment(self, bucket: str) -> dict[str, str]:
        """The settings' environment variables for MEDIA_STORAGE=s3 on this server."""
        return {
            "MEDIA_STORAGE": "s3",
            "S3_BUCKET": bucket,
            "S3_ENDPOINT_URL": self.endpoint_url,
            "S3_ACCESS_KEY_ID": ACCESS_KEY,
            "S3_SECRET_ACCESS_KEY": SECRET_KEY,
            "S3_REGION": REGION,
            "S3_ADDRESSING_STYLE": "path",
        }

    def storage(
        self, bucket: str, *, endpoint_url: str | None = None, **options: Any
    ) -> dict[str, Any]:
        """The STORAGES["default"] entry the settings build from `environment(bucket)`,
        plus `options` (timeouts) for the tests of a service that is down."""
        return {
            "BACKEND": STORAGE_BACKEND,
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": endpoint_url or self.endpoint_url,
                "region_name": REGION,
                "access_key": ACCESS_KEY,
                "secret_key": SECRET_KEY,
                "addressing_style": "path",
                "location": "",
                **options,
            },
        }
