"""A real `invoicery serve` process on a free port, for end-to-end tests."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from invoicery.auth.scopes import ALL_SCOPES
from tests.support.tenant import basic_auth

INVOICERY = [sys.executable, "-m", "invoicery"]


def _group_alive(group: int) -> bool:
    """Whether any process of the process group still exists."""
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class ServerProcess:
    """Starts, stops and talks to one server process with its own data directory."""

    data_dir: Path
    env_extra: Mapping[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        """Where the server answers."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        """The environment of the server and of CLI calls against its database."""
        return {
            **os.environ,
            "INVOICERY_DATA_DIR": str(self.data_dir),
            "INVOICERY_PORT": str(self.port),
            "INVOICERY_PUBLIC_URL": self.base_url,
            **self.env_extra,
        }

    def cli(self, *args: str) -> str:
        """Run an `invoicery` command against this server's database; its stdout."""
        done = subprocess.run([*INVOICERY, *args], env=self.env, capture_output=True, check=True)
        return done.stdout.decode()

    def start(self, timeout: float = 30.0) -> None:
        """Start serving and wait until the port answers."""
        with (self.data_dir / "server.log").open("ab") as log:
            # A session of its own, so stop() reaches granian's forked workers too.
            self.process = subprocess.Popen(
                [*INVOICERY, "serve"],
                env=self.env,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {(self.data_dir / 'server.log').read_text()}")
            try:
                httpx.get(f"{self.base_url}/openapi.json", timeout=1.0)
                return
            except httpx.TransportError:
                time.sleep(0.2)
        raise TimeoutError("server did not start")

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> None:
        """Stop the server and its workers (SIGKILL simulates a crash of all of them)."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)
            self.process.wait(timeout=30)
            deadline = time.monotonic() + 10
            while _group_alive(self.process.pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert not _group_alive(self.process.pid), "server processes outlived stop()"
        self.process = None

    def create_client(self, *scopes: str, account: str = "e2e") -> dict[str, str]:
        """A new API client via `invoicery clients create --json`."""
        args = [arg for scope in scopes for arg in ("--scope", scope)]
        created: dict[str, str] = json.loads(
            self.cli("clients", "create", "--name", "e2e", "--account", account, "--json", *args)
        )
        return created

    def token(self, client: Mapping[str, str]) -> str:
        """A bearer token for `client`."""
        response = httpx.post(
            f"{self.base_url}/oauth/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": basic_auth(client["client_id"], client["client_secret"])},
        )
        response.raise_for_status()
        token: str = response.json()["access_token"]
        return token


@contextmanager
def fresh_server(data_dir: Path, env: Mapping[str, str] | None = None) -> Iterator[ServerProcess]:
    """A started server on a new SQLite data directory `data_dir`; stopped at the end."""
    process = ServerProcess(data_dir, dict(env or {}))
    process.data_dir.mkdir()
    process.start()
    try:
        yield process
    finally:
        process.stop()


@contextmanager
def merchant_api(server: ServerProcess) -> Iterator[httpx.Client]:
    """Both faces as a client with every scope, of the account "e2e" as a named merchant."""
    client = server.create_client(*ALL_SCOPES)
    headers = {"Authorization": f"Bearer {server.token(client)}"}
    server.cli(
        "accounts",
        "set",
        "e2e",
        "--display-name",
        "Northwind Design Studio",
        "--city",
        "Portland",
        "--country",
        "US",
    )
    with httpx.Client(base_url=server.base_url, headers=headers) as http:
        yield http
