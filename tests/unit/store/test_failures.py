"""Which database errors are outages (503) and which stay bugs (500)."""

from __future__ import annotations

import sqlite3

import asyncpg
import pytest
from sqlalchemy import exc as sa_exc

from invoicery.store.failures import unavailable


def _sqlite_error(code: int, message: str) -> sqlite3.OperationalError:
    error = sqlite3.OperationalError(message)
    error.sqlite_errorcode = code
    return error


def _wrapped(driver: Exception, *, invalidated: bool = False) -> sa_exc.DBAPIError:
    """`driver` as SQLAlchemy raises it: in an emulated DBAPI class inside a `DBAPIError`."""
    adapted = sa_exc.EmulatedDBAPIException(str(driver), driver)
    wrapped = sa_exc.DBAPIError.instance(
        "SELECT 1", None, adapted, Exception, connection_invalidated=invalidated
    )
    assert isinstance(wrapped, sa_exc.DBAPIError)
    return wrapped


OUTAGES = [
    ConnectionRefusedError(111, "Connect call failed"),
    ConnectionResetError(104, "Connection reset by peer"),
    TimeoutError(),
    asyncpg.exceptions.InternalClientError(
        "cannot switch to state 12; another operation (2) is in progress"
    ),
    asyncpg.exceptions.ConnectionDoesNotExistError(
        "connection was closed in the middle of operation"
    ),
    asyncpg.exceptions.InterfaceError(
        "cannot call PreparedStatement.fetch(): the underlying connection is closed"
    ),
    asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command"),
    asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
    asyncpg.exceptions.TooManyConnectionsError("sorry, too many clients already"),
    asyncpg.exceptions.QueryCanceledError("canceling statement due to statement timeout"),
    _sqlite_error(sqlite3.SQLITE_BUSY, "database is locked"),
    _sqlite_error(sqlite3.SQLITE_BUSY | (2 << 8), "database is locked"),  # SQLITE_BUSY_SNAPSHOT
]
BUGS = [
    asyncpg.exceptions.UniqueViolationError("duplicate key value violates unique constraint"),
    asyncpg.exceptions.UndefinedColumnError('column "nope" does not exist'),
    asyncpg.exceptions.DataError("invalid input for query argument $1"),
    asyncpg.exceptions.InterfaceError("cannot perform operation: another operation is in progress"),
    _sqlite_error(sqlite3.SQLITE_CONSTRAINT, "UNIQUE constraint failed: accounts.name"),
    sqlite3.OperationalError("no such table: nope"),
    ValueError("not a database error"),
    FileNotFoundError("not a database error either"),
]


@pytest.mark.parametrize("error", OUTAGES, ids=repr)
def test_an_outage_is_unavailable_raw_or_wrapped(error: Exception) -> None:
    assert unavailable(error)
    assert unavailable(_wrapped(error))


@pytest.mark.parametrize("error", BUGS, ids=repr)
def test_a_rejected_statement_is_not_an_outage(error: Exception) -> None:
    assert not unavailable(error)
    assert not unavailable(_wrapped(error))


def test_an_invalidated_connection_and_an_exhausted_pool_are_unavailable() -> None:
    assert unavailable(_wrapped(RuntimeError("gone"), invalidated=True))
    assert unavailable(sa_exc.TimeoutError("QueuePool limit of size 5 overflow 0 reached"))
    assert not unavailable(sa_exc.IntegrityError("INSERT", None, Exception("duplicate")))
