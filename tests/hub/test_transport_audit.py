"""The graphql-http audit suite (GraphQL over HTTP, MUST and SHOULD) against a
running hub: uvicorn in a subprocess, the audit in Node.

The suite is vendored in tests/http_audit (graphql-http and graphql as npm
tarballs, with a lockfile), so the install below needs no registry.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from db.migrate import upgrade
from hub.auth import mint_token
from rules.access import Principal, Role
from tests.conftest import TEST_FIELD_KEY, TEST_TOKEN_KEY

ROOT = Path(__file__).resolve().parents[2]
VENDORED = ROOT / "tests" / "http_audit"
EXPECTED = "audit: ok=61 warn=0 error=0 total=61"
MISSING_NODE = shutil.which("node") is None or shutil.which("npm") is None

pytestmark = [
    pytest.mark.node,
    pytest.mark.skipif(
        MISSING_NODE, reason="the GraphQL-over-HTTP audit needs node and npm on PATH"
    ),
]

# Binds a free port itself and prints it, so no other process can take it
# between choosing and listening.
SERVE = """
import socket, uvicorn
from hub.app import create_app
from hub.settings import load_settings
sock = socket.socket()
sock.bind(("127.0.0.1", 0))
print(sock.getsockname()[1], flush=True)
config = uvicorn.Config(create_app(load_settings()), log_level="warning")
uvicorn.Server(config).run(sockets=[sock])
"""


def _wait_ready(url: str, server: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("the hub exited before it was ready")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    raise TimeoutError(f"{url} not ready within 30 s")


@pytest.fixture
def hub_url(tmp_path: Path) -> Iterator[str]:
    """A dev hub on a fresh SQLite database, served by uvicorn."""
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'audit.sqlite3'}"
    upgrade(database_url)
    env = {
        **os.environ,
        "XUEJI_DATABASE_URL": database_url,
        "XUEJI_ENV": "dev",
        "XUEJI_TOKEN_KEY": TEST_TOKEN_KEY,
        "XUEJI_FIELD_KEY": TEST_FIELD_KEY,
    }
    with subprocess.Popen(
        [sys.executable, "-c", SERVE],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    ) as server:
        try:
            assert server.stdout is not None
            port = int(server.stdout.readline())
            _wait_ready(f"http://127.0.0.1:{port}/healthz", server)
            yield f"http://127.0.0.1:{port}/graphql"
        finally:
            server.terminate()
            server.wait(timeout=10)
            if server.stdout is not None:
                server.stdout.close()


@pytest.fixture
def audit_dir(tmp_path: Path) -> Path:
    """The vendored suite installed offline from its tarballs."""
    target = tmp_path / "http_audit"
    shutil.copytree(VENDORED, target, ignore=shutil.ignore_patterns("node_modules"))
    subprocess.run(
        [
            "npm",
            "ci",
            "--offline",
            "--no-audit",
            "--no-fund",
            "--cache",
            str(tmp_path / "npm-cache"),
        ],
        cwd=target,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return target


def test_hub_passes_every_transport_audit(hub_url: str, audit_dir: Path) -> None:
    principal = Principal("audit", Role.REGISTRAR, school="2103110001")
    token = mint_token(principal, TEST_TOKEN_KEY, ttl=timedelta(hours=1))
    completed = subprocess.run(
        ["node", "audit.mjs", hub_url, "--token", token],
        cwd=audit_dir,
        capture_output=True,
        text=True,
        timeout=300,
    )
    lines = completed.stdout.strip().splitlines()
    assert (lines[-1:], completed.returncode) == ([EXPECTED], 0), completed.stdout
