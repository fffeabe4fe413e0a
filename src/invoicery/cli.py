"""The `invoicery` operator command: serve, migrate, manage clients, API keys and accounts."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Awaitable, Callable, Iterator, Sequence
from types import SimpleNamespace
from typing import Any, TypeVar

from invoicery.auth.scopes import ALL_SCOPES
from invoicery.config import Settings
from invoicery.domain import ids
from invoicery.domain.api_versions import NEWEST, ApiVersion, parse_api_version
from invoicery.domain.errors import InvoiceryError
from invoicery.logs import configure_logging
from invoicery.service import accounts as account_service
from invoicery.service import clients as client_service
from invoicery.store.clients import ClientRecord
from invoicery.store.database import Database
from invoicery.store.migrate import upgrade

__all__ = ["main"]

T = TypeVar("T")
DEFAULT_ACCOUNT = "default"
SHUTDOWN_SECONDS = 30
"""On SIGTERM, how long `serve` waits for requests in flight before killing a process."""
_MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"


def _run(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    async def run() -> T:
        db = Database(settings.resolved_database_url())
        try:
            return await work(db)
        finally:
            await db.dispose()

    return asyncio.run(run())


def _ensure_development_client(settings: Settings) -> None:
    """On a zero-configuration first start, create a client and show how to use it."""
    if settings.database_url:
        return

    async def work(db: Database) -> client_service.NewClient | None:
        if await client_service.list_clients(db, account_name=None):
            return None
        return await client_service.create(
            db, name="development", scopes=list(ALL_SCOPES), account_name=DEFAULT_ACCOUNT
        )

    created = _run(settings, work)
    if created is None:
        return
    base = settings.resolved_public_url()
    print(
        "Created a development API client (the secret is shown only this once):\n"
        f"  client_id:     {created.client_id}\n"
        f"  client_secret: {created.client_secret}\n"
        "Get a token with:\n"
        f"  curl -s -u '{created.client_id}:{created.client_secret}' "
        f"-d grant_type=client_credentials {base}/oauth/token\n",
        flush=True,
    )


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    from granian import Granian
    from granian.constants import Interfaces, Loops

    from invoicery.mail import describe
    from invoicery.worker import mail_transport

    for name, value in (("HOST", args.host), ("PORT", args.port), ("WORKERS", args.workers)):
        if value is not None:
            os.environ[f"INVOICERY_{name}"] = str(value)
    settings = Settings()
    if settings.workers > 1 and settings.redis_url is None:
        print(
            f"error: {settings.workers} worker processes need INVOICERY_REDIS_URL "
            "(e.g. redis://127.0.0.1:6379/0) to share one rate limit per API client; "
            "without it each process would keep its own. Serve with --workers 1, or set it.",
            file=sys.stderr,
        )
        return 2
    configure_logging(settings.log_format)
    print("Applying database migrations…", flush=True)
    upgrade(settings.resolved_database_url())
    _ensure_development_client(settings)
    print(f"Serving on {settings.resolved_public_url()} ({settings.workers} worker(s))", flush=True)
    where = "in Redis" if settings.redis_url else "in this process (no INVOICERY_REDIS_URL)"
    print(f"Rate limits: {settings.rate_limit} per API client by default, kept {where}", flush=True)
    if settings.settlement_in_server:
        print("Settling ACH payments in each server process (see `invoicery worker`)", flush=True)
        print(describe(mail_transport(settings)), flush=True)
    with _metrics_directory(settings):
        Granian(
            "invoicery.app:create_app",
            factory=True,
            address=settings.host,
            port=settings.port,
            workers=settings.workers,
            interface=Interfaces.ASGI,
            loop=Loops.uvloop,
            log_access=False,
            # SIGTERM: stop accepting, let requests in flight and the worker's current
            # item finish, then exit 0; a worker still busy after this long is killed.
            workers_kill_timeout=SHUTDOWN_SECONDS,
        ).serve()
    return 0


@contextlib.contextmanager
def _metrics_directory(settings: Settings) -> Iterator[None]:
    """With metrics on, a fresh PROMETHEUS_MULTIPROC_DIR shared by this run's processes.

    Set before granian starts its workers, so each one imports prometheus-client in
    multiprocess mode and a scrape of any one of them sums all. An operator's own
    directory is kept as it is.
    """
    if not settings.metrics or os.environ.get(_MULTIPROCESS_DIR):
        yield
        return
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    directory = tempfile.mkdtemp(prefix="metrics-", dir=settings.data_dir)
    os.environ[_MULTIPROCESS_DIR] = directory
    try:
        yield
    finally:
        del os.environ[_MULTIPROCESS_DIR]
        shutil.rmtree(directory, ignore_errors=True)


def _worker(settings: Settings, _args: argparse.Namespace) -> int:
    from invoicery import worker
    from invoicery.app import webhook_renderers
    from invoicery.mail import describe

    configure_logging(settings.log_format)
    print("Settling ACH payments, delivering webhooks and e-mail; stop with Ctrl-C.", flush=True)
    print(describe(worker.mail_transport(settings)), flush=True)
    from invoicery.web.mail_links import ServerLinks

    def links(db: Database) -> ServerLinks:
        return ServerLinks(SimpleNamespace(settings=settings, db=db))

    return worker.main(settings, renderers=webhook_renderers(), links=links)


def _webhooks_listen(settings: Settings, args: argparse.Namespace) -> int:
    from invoicery import webhook_listen
    from invoicery.app import webhook_renderers

    return webhook_listen.main(
        settings,
        account_name=args.account,
        forward_to=args.forward_to,
        renderers=webhook_renderers(),
    )


def _migrate(settings: Settings, _args: argparse.Namespace) -> int:
    upgrade(settings.resolved_database_url())
    print("Database is at the newest schema revision.")
    return 0


def _api_version(text: str) -> ApiVersion:
    """`--api-version`'s value, or argparse's error naming the versions there are."""
    version = parse_api_version(text)
    if version is None:
        known = ", ".join(v.value for v in ApiVersion)
        raise argparse.ArgumentTypeError(f"unknown API version {text!r} (one of {known})")
    return version


def _clients_create(settings: Settings, args: argparse.Namespace) -> int:
    created = _run(
        settings,
        lambda db: client_service.create(
            db,
            name=args.name,
            scopes=args.scope,
            account_name=args.account,
            api_version=args.api_version,
        ),
    )
    if args.json:
        print(
            json.dumps(
                {
                    "client_id": created.client_id,
                    "client_secret": created.client_secret,
                    "account_id": created.account_id,
                    "scopes": list(created.scopes),
                    "api_version": created.api_version.value,
                }
            )
        )
    else:
        print(f"client_id:     {created.client_id}")
        print(f"client_secret: {created.client_secret}   (shown once; stored hashed)")
        print(f"account:       {args.account} ({created.account_id})")
        print(f"scopes:        {' '.join(created.scopes)}")
        print(f"api_version:   {created.api_version}")
    return 0


def _listed(record: ClientRecord, public_id: str) -> str:
    state = "revoked" if record.revoked_at else "active"
    return (
        f"{public_id}  {state:7}  {record.api_version}  {record.account_name:20}  "
        f"{record.name:20}  {' '.join(record.scopes)}"
    )


def _clients_list(settings: Settings, args: argparse.Namespace) -> int:
    records = _run(settings, lambda db: client_service.list_clients(db, account_name=args.account))
    for record in records:
        print(_listed(record, client_service.client_id_text(record)))
    return 0


def _clients_revoke(settings: Settings, args: argparse.Namespace) -> int:
    _run(settings, lambda db: client_service.revoke(db, client_id=args.client_id))
    print(f"Revoked {args.client_id}; its tokens no longer work.")
    return 0


def _api_keys_create(settings: Settings, args: argparse.Namespace) -> int:
    created = _run(
        settings,
        lambda db: client_service.create_api_key(
            db,
            name=args.name,
            scopes=args.scope,
            account_name=args.account,
            api_version=args.api_version,
        ),
    )
    if args.json:
        print(
            json.dumps(
                {
                    "id": created.id,
                    "api_key": created.api_key,
                    "account_id": created.account_id,
                    "scopes": list(created.scopes),
                    "api_version": created.api_version.value,
                }
            )
        )
    else:
        print(f"id:          {created.id}")
        print(f"api_key:     {created.api_key}   (shown once; stored hashed)")
        print(f"account:     {args.account} ({created.account_id})")
        print(f"scopes:      {' '.join(created.scopes)}")
        print(f"api_version: {created.api_version}")
        print(f"Send it as:  Authorization: Bearer {created.api_key}")
    return 0


def _api_keys_list(settings: Settings, args: argparse.Namespace) -> int:
    records = _run(settings, lambda db: client_service.list_api_keys(db, account_name=args.account))
    for record in records:
        print(_listed(record, client_service.api_key_id_text(record)))
    return 0


def _api_keys_revoke(settings: Settings, args: argparse.Namespace) -> int:
    _run(settings, lambda db: client_service.revoke_api_key(db, key_id=args.key_id))
    print(f"Revoked {args.key_id}; it no longer works.")
    return 0


def _credential_options(create: argparse.ArgumentParser) -> None:
    """The options `clients create` and `api-keys create` share."""
    create.add_argument("--name", required=True)
    create.add_argument("--scope", action="append", required=True, choices=ALL_SCOPES)
    create.add_argument("--account", default=DEFAULT_ACCOUNT)
    create.add_argument(
        "--api-version",
        type=_api_version,
        default=NEWEST,
        metavar="VERSION",
        help=f"the billing-v1 version it is answered in (default: the newest, {NEWEST})",
    )
    create.add_argument("--json", action="store_true", help="print one JSON object")


def _shown(value: Any) -> str:
    return "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


def _account_lines(account: Any) -> list[str]:
    lines = [f"name: {account.name}", f"id: {ids.encode(ids.ACCOUNT, account.id)}"]
    lines += [f"{name}: {_shown(getattr(account, name))}" for name in account_service.SETTINGS]
    return lines


def _accounts_set(settings: Settings, args: argparse.Namespace) -> int:
    changes = {
        name: getattr(args, name)
        for name in account_service.SETTINGS
        if getattr(args, name) is not None
    }
    account = _run(
        settings,
        lambda db: account_service.update_settings(db, name=args.name, settings=changes),
    )
    print("\n".join(_account_lines(account)))
    return 0


def _accounts_show(settings: Settings, args: argparse.Namespace) -> int:
    account = _run(settings, lambda db: account_service.get_or_raise(db, name=args.name))
    print("\n".join(_account_lines(account)))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="invoicery", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="apply migrations, then serve the API")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int)
    serve.set_defaults(handler=_serve)

    commands.add_parser("migrate", help="apply pending migrations").set_defaults(handler=_migrate)
    commands.add_parser(
        "worker", help="settle due ACH payments (also runs inside `serve` by default)"
    ).set_defaults(handler=_worker)

    clients = commands.add_parser("clients", help="manage API clients").add_subparsers(
        dest="action", required=True
    )
    create = clients.add_parser("create", help="create an API client (and its account)")
    _credential_options(create)
    create.set_defaults(handler=_clients_create)
    listing = clients.add_parser("list", help="list API clients")
    listing.add_argument("--account")
    listing.set_defaults(handler=_clients_list)
    revoke = clients.add_parser("revoke", help="revoke a client and all its tokens")
    revoke.add_argument("client_id")
    revoke.set_defaults(handler=_clients_revoke)

    keys = commands.add_parser("api-keys", help="manage API keys").add_subparsers(
        dest="action", required=True
    )
    create_key = keys.add_parser(
        "create", help="create an API key, sent as a bearer token (and its account)"
    )
    _credential_options(create_key)
    create_key.set_defaults(handler=_api_keys_create)
    list_keys = keys.add_parser("list", help="list API keys")
    list_keys.add_argument("--account")
    list_keys.set_defaults(handler=_api_keys_list)
    revoke_key = keys.add_parser("revoke", help="revoke an API key (at once)")
    revoke_key.add_argument("key_id")
    revoke_key.set_defaults(handler=_api_keys_revoke)

    hooks = commands.add_parser("webhooks", help="webhook tools").add_subparsers(
        dest="action", required=True
    )
    listen = hooks.add_parser(
        "listen", help="forward the account's events to a local URL until Ctrl-C"
    )
    listen.add_argument("--forward-to", required=True, metavar="URL")
    listen.add_argument("--account", default=DEFAULT_ACCOUNT)
    listen.set_defaults(handler=_webhooks_listen)

    accounts = commands.add_parser("accounts", help="merchant settings").add_subparsers(
        dest="action", required=True
    )
    setter = accounts.add_parser("set", help="change an account's settings")
    setter.add_argument("name")
    for name in account_service.SETTINGS:
        flag = "--" + name.replace("_", "-")
        setter.add_argument(flag, dest=name)
    setter.set_defaults(handler=_accounts_set)
    show = accounts.add_parser("show", help="show an account's settings")
    show.add_argument("name")
    show.set_defaults(handler=_accounts_show)
    return parser


def _joined_values(argv: Sequence[str]) -> list[str]:
    """`--reminders -3,0,7` as `--reminders=-3,0,7`: argparse takes a leading "-" for a flag."""
    joined: list[str] = []
    for arg in argv:
        if joined and joined[-1] in _SIGNED_FLAGS and arg.startswith("-"):
            joined[-1] = f"{joined[-1]}={arg}"
        else:
            joined.append(arg)
    return joined


_SIGNED_FLAGS = frozenset({"--reminders"})


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `invoicery` command."""
    args = _parser().parse_args(_joined_values(sys.argv[1:] if argv is None else argv))
    settings = Settings()
    try:
        result: int = args.handler(settings, args)
    except InvoiceryError as error:
        fields = getattr(error, "fields", {})
        details = "".join(f"\n  {name}: {message}" for name, message in fields.items())
        print(f"error: {error.message}{details}", file=sys.stderr)
        return 1
    return result


if __name__ == "__main__":
    sys.exit(main())
