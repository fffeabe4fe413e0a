"""Which database failures are outages (try again shortly) rather than bugs.

An outage is a failure the same request may not meet a moment later: the connection was
refused or lost, the server has too many connections or is shutting down, SQLite's write
lock was still held after the busy timeout, no pooled connection became free in time.
A statement the database rejects (a constraint violation, a syntax error, a parameter
it cannot encode) is not one: it stays a bug.

PostgreSQL ending a session (`pg_terminate_backend`, a restart) can reach a pooled
connection between two requests: its FATAL message leaves asyncpg's protocol waiting for
a reply that never comes, so the next statement fails with "cannot switch to state 12;
another operation is in progress" before the socket's close is noticed. asyncpg then
aborts the connection, and both pools discard it (SQLAlchemy's sees it closed and
invalidates it; asyncpg's reopens closed connections on acquire).
"""

from __future__ import annotations

import socket
import sqlite3

import asyncpg
from sqlalchemy import exc as sa_exc

__all__ = ["unavailable"]

# Primary result codes (the low byte of extended codes) of a SQLite database that cannot
# be used right now: locked past the busy timeout, or the file cannot be opened or written.
_SQLITE_OUTAGES = frozenset(
    {
        sqlite3.SQLITE_BUSY,
        sqlite3.SQLITE_LOCKED,
        sqlite3.SQLITE_IOERR,
        sqlite3.SQLITE_FULL,
        sqlite3.SQLITE_CANTOPEN,
    }
)


def unavailable(error: BaseException) -> bool:
    """Whether `error` means the database cannot serve right now (503, not 500)."""
    if isinstance(error, sa_exc.TimeoutError):
        return True  # no pooled connection became free in time
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True  # SQLAlchemy found the connection closed
    driver = _driver_error(error)
    if isinstance(driver, ConnectionError | TimeoutError | socket.gaierror):
        return True  # refused, reset, timed out, host unknown
    if isinstance(driver, asyncpg.InternalClientError):
        return True  # asyncpg's protocol out of step with the server: a session it ended
    if isinstance(driver, asyncpg.InterfaceError):
        return "connection is closed" in str(driver)  # the test SQLAlchemy's dialect uses
    if isinstance(
        driver,
        asyncpg.PostgresConnectionError  # 08: connection lost or refused
        | asyncpg.InsufficientResourcesError  # 53: too many connections, out of memory
        | asyncpg.OperatorInterventionError,  # 57: shutting down, terminated, cancelled
    ):
        return True
    code = getattr(driver, "sqlite_errorcode", None) if isinstance(driver, sqlite3.Error) else None
    return code is not None and code & 0xFF in _SQLITE_OUTAGES


def _driver_error(error: BaseException) -> BaseException:
    """The driver's own exception behind SQLAlchemy's wrappers, or `error` itself."""
    if isinstance(error, sa_exc.DBAPIError) and error.orig is not None:
        error = error.orig
    # The asyncpg dialect wraps asyncpg's exceptions in DBAPI classes it emulates.
    if isinstance(error, sa_exc.EmulatedDBAPIException) and error.orig is not None:
        error = error.orig
    return error
