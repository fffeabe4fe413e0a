"""A private PostgreSQL cluster for one test: made with `initdb`, run with `pg_ctl`.

For tests that stop and start PostgreSQL itself, which the shared server must never
see. The cluster lives in a temporary directory, listens on a free port of 127.0.0.1
only (trust authentication, user ``postgres``), and is stopped and removed when the
`private_cluster()` block ends, however it ends.

`initdb` and `postgres` refuse to run as root: as root (CI) every command runs as the
``postgres`` OS user through ``runuser``, in a directory it owns; otherwise as the
current user. Without the binaries (or, as root, without a ``postgres`` user and
``runuser``) the test is skipped, or fails with the reason when
``INVOICERY_TEST_REQUIRE_POSTGRES=1``.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.server import free_port

__all__ = ["PostgresCluster", "find_bin_dir", "private_cluster"]

_REQUIRE = os.environ.get("INVOICERY_TEST_REQUIRE_POSTGRES") == "1"
_OS_USER = "postgres"  # the OS user the cluster runs as when we are root
_COMMAND_SECONDS = 60.0
# Test-only settings: no fsync (a disposable cluster; fast stop still shuts down
# cleanly), no Unix socket outside the cluster's own directory.
_SETTINGS = (
    "listen_addresses = '127.0.0.1'",
    "fsync = off",
    "synchronous_commit = off",
    "full_page_writes = off",
    "max_connections = 200",
)


def _version(path: Path) -> tuple[int, ...]:
    """The numeric version in a path such as /usr/lib/postgresql/16/bin (0 when none)."""
    return tuple(int(part) for part in re.findall(r"\d+", str(path))) or (0,)


def find_bin_dir() -> Path | None:
    """The newest directory holding both `initdb` and `pg_ctl`, or None when there is none.

    ``INVOICERY_TEST_PG_BIN`` names one explicitly; otherwise Debian's
    /usr/lib/postgresql/*/bin, then `pg_config --bindir`, then the PATH are searched.
    """
    explicit = os.environ.get("INVOICERY_TEST_PG_BIN")
    candidates = [Path(explicit)] if explicit else []
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_version, reverse=True)
    if pg_config := shutil.which("pg_config"):
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            found = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, check=True, timeout=10
            )
            candidates.append(Path(found.stdout.strip()))
    if initdb := shutil.which("initdb"):
        candidates.append(Path(initdb).resolve().parent)
    for directory in candidates:
        if all(os.access(directory / name, os.X_OK) for name in ("initdb", "pg_ctl")):
            return directory
    return None


def _unusable(reason: str) -> None:
    """Skip the test for `reason`, or fail it when PostgreSQL is required."""
    message = f"no private PostgreSQL cluster: {reason}"
    if _REQUIRE:
        pytest.fail(message)
    pytest.skip(message)


@dataclass
class PostgresCluster:
    """A cluster in `directory` on `port`, run by the binaries in `bin_dir`."""

    bin_dir: Path
    directory: Path
    port: int
    run_as: str | None  # the OS user to run as (through runuser), or None: ourselves

    @property
    def data_dir(self) -> Path:
        """The cluster's data directory (PGDATA)."""
        return self.directory / "data"

    @property
    def log_file(self) -> Path:
        """The server's log, kept across stops and starts."""
        return self.directory / "postgres.log"

    def url(self, database: str = "postgres") -> str:
        """A ``postgresql://`` URL of `database` on this cluster (trust auth, no password)."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, name: str, *args: str) -> str:
        """Run one of the cluster's binaries (as `run_as`, if set); its output."""
        command: Sequence[str] = [str(self.bin_dir / name), *args]
        if self.run_as is not None:
            command = ["runuser", "-u", self.run_as, "--", *command]
        done = subprocess.run(
            command,
            cwd=self.directory,  # the cluster's user may not be able to enter ours
            capture_output=True,
            text=True,
            timeout=_COMMAND_SECONDS,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"{name} {' '.join(args)} exited {done.returncode}:\n{done.stdout}{done.stderr}"
                f"\n{self.log_tail()}"
            )
        return done.stdout

    def init(self) -> None:
        """Create the cluster: user ``postgres``, trust authentication, this port."""
        self._run(
            "initdb",
            "--pgdata",
            str(self.data_dir),
            "--username",
            "postgres",
            "--auth",
            "trust",
            "--encoding",
            "UTF8",
            "--locale",
            "C",
            "--no-sync",
        )
        settings = (
            *_SETTINGS,
            f"port = {self.port}",
            f"unix_socket_directories = '{self.directory}'",
        )
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write("\n".join(settings) + "\n")

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        self._run(
            "pg_ctl",
            "start",
            "--pgdata",
            str(self.data_dir),
            "--log",
            str(self.log_file),
            "--wait",
            "--timeout",
            str(int(_COMMAND_SECONDS)),
        )

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (`mode`: smart, fast or immediate) and wait until it has."""
        self._run(
            "pg_ctl",
            "stop",
            "--pgdata",
            str(self.data_dir),
            "--mode",
            mode,
            "--wait",
            "--timeout",
            str(int(_COMMAND_SECONDS)),
        )

    def running(self) -> bool:
        """Whether the server is running (per `pg_ctl status`)."""
        try:
            self._run("pg_ctl", "status", "--pgdata", str(self.data_dir))
        except RuntimeError:
            return False
        return True

    def log_tail(self, lines: int = 30) -> str:
        """The last `lines` lines of the server's log (empty when there is none yet)."""
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def kill(self) -> None:
        """Last resort at teardown: SIGKILL the postmaster this cluster's pid file names."""
        with contextlib.suppress(OSError, ValueError, IndexError):
            pid = int((self.data_dir / "postmaster.pid").read_text().splitlines()[0])
            os.kill(pid, signal.SIGKILL)


def _owner() -> str | None:
    """Who runs the cluster: None for ourselves, or the ``postgres`` user when we are root."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(_OS_USER)
    except KeyError:
        _unusable(f"running as root and there is no {_OS_USER!r} OS user to run initdb as")
    if shutil.which("runuser") is None:
        _unusable("running as root and runuser is missing")
    return _OS_USER


@contextmanager
def private_cluster() -> Iterator[PostgresCluster]:
    """A running private cluster for the block; stopped and removed afterwards."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        _unusable("initdb and pg_ctl not found (set INVOICERY_TEST_PG_BIN)")
        raise AssertionError("unreachable")
    run_as = _owner()
    # Not under pytest's tmp_path: its parents are mode 0700, closed to the cluster's user.
    directory = Path(tempfile.mkdtemp(prefix="invoicery-pg-"))
    if run_as is not None:
        user = pwd.getpwnam(run_as)
        os.chown(directory, user.pw_uid, user.pw_gid)
    cluster = PostgresCluster(bin_dir, directory, free_port(), run_as)
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        try:
            if cluster.running():
                cluster.stop("immediate")
        except (RuntimeError, OSError, subprocess.SubprocessError):
            cluster.kill()
        shutil.rmtree(directory, ignore_errors=True)
