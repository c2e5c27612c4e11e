"""`c122`: serve the hotline, migrate the database, manage accounts, run the demo."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import resource
import signal
import sys
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

import uvicorn
import uvloop

from c122.api.serving import listening_socket, server_config
from c122.bind_check import PortTaken, check_ports_free
from c122.bootstrap import Application, build_application
from c122.config import ConfigError, Settings, load_settings
from c122.domain.errors import DomainError, InvalidFields
from c122.domain.organisation import EntityKind
from c122.domain.users import CONSOLE, Role
from c122.logs import configure_logging
from c122.persistence import migrate
from c122.services.contact_center.simulator import SimulatedCallSource

log = logging.getLogger(__name__)
EXIT_USAGE = 2
MIN_OPEN_FILES = 4096  # about 2,000 app connections and 1,000 desktops with room for the rest
EXIT_REFUSED = 1


class CommandError(Exception):
    """A refusal to report as one line on stderr."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"c122: configuration: {exc}", file=sys.stderr)
        return EXIT_USAGE
    configure_logging(json_lines=settings.json_logs, level=settings.log_level)
    try:
        result: int = args.handler(settings, args)
        return result
    except (CommandError, PortTaken) as exc:
        print(f"c122: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    except InvalidFields as exc:
        details = "; ".join(f"{p.path}: {p.message}" for p in exc.problems)
        print(f"c122: {details}", file=sys.stderr)
        return EXIT_REFUSED
    except DomainError as exc:
        path = getattr(exc, "path", None)
        print(f"c122: {path + ': ' if path else ''}{exc.message}", file=sys.stderr)
        return EXIT_REFUSED


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="c122", description="С-122 regional hotline platform")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the hotline (HTTP, events, telephony)")
    serve.set_defaults(handler=_serve)

    db = commands.add_parser("db", help="database schema").add_subparsers(required=True, metavar="ACTION")
    db.add_parser("upgrade", help="apply every pending migration").set_defaults(handler=_db_upgrade)
    down = db.add_parser("downgrade", help="step back to a revision ('base' empties the database)")
    down.add_argument("revision")
    down.set_defaults(handler=_db_downgrade)

    users = commands.add_parser("users", help="accounts").add_subparsers(required=True, metavar="ACTION")
    create = users.add_parser("create", help="create an account; the password is read from stdin")
    create.add_argument("login")
    create.add_argument("--role", required=True, choices=[role.value for role in Role])
    create.add_argument("--group", action="append", default=[], help="group name or id (repeatable)")
    create.add_argument("--name", default="", help="full name (defaults to the login)")
    create.add_argument("--password-stdin", action="store_true", required=True)
    create.set_defaults(handler=_users_create)

    tokens = commands.add_parser("tokens", help="API tokens").add_subparsers(required=True, metavar="ACTION")
    token = tokens.add_parser("create", help="issue an API token for an account and print it once")
    token.add_argument("login")
    token.add_argument("--name", required=True)
    token.set_defaults(handler=_tokens_create)

    demo = commands.add_parser("demo", help="create the demo organisation, print its passwords, then serve")
    demo.add_argument("--no-serve", action="store_true", help="only create the data and print passwords")
    demo.add_argument(
        "--simulate",
        type=float,
        metavar="CALLS_PER_MINUTE",
        help="simulated callers join the demo queues at this mean rate (until telephony is connected)",
    )
    demo.set_defaults(handler=_demo)
    return parser


def _serve(settings: Settings, _args: argparse.Namespace) -> int:
    return uvloop.run(_serve_async(settings))


async def _serve_async(settings: Settings) -> int:
    pending = await migrate.pending_revisions(settings.database_url)
    if pending:
        raise CommandError(
            f"the database schema is not current ({len(pending)} pending): run `c122 db upgrade`"
        )
    check_ports_free(settings, telephony=True)
    application = build_application(settings, with_telephony=True)
    if application.telephony is not None:  # `systemctl kill -s USR1 c122`: take no new calls
        asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, application.telephony.sip.drain)
    await _run_http(application)
    return 0


async def _run_http(
    application: Application, alongside: Callable[[], Coroutine[Any, Any, None]] | None = None
) -> None:
    settings = application.settings
    server = uvicorn.Server(server_config(application.app, settings.http_host, settings.http_port))
    tune_garbage_collector()
    raise_open_files_limit()
    async with application.running():
        try:
            listener = listening_socket(settings.http_host, settings.http_port)
        except OSError as error:  # taken between the check and the bind
            raise CommandError(
                f"the HTTP server could not listen on port {settings.http_port} ({error.strerror or error}):"
                " set C122_HTTP_PORT"
            ) from error
        print(f"С-122 serving on http://{settings.http_host}:{settings.http_port}/", flush=True)
        extra = asyncio.create_task(alongside()) if alongside is not None else None
        try:
            await server.serve(sockets=[listener])
        finally:
            listener.close()
            if extra is not None:
                extra.cancel()
                await asyncio.gather(extra, return_exceptions=True)


def tune_garbage_collector() -> None:
    """Long-lived start-up objects leave the collector's view, and full passes become rarer.

    With ~200 tracked objects per open event stream, a full pass over 1,000 desktops stalls every
    connection for 100–350 ms (bench/results/event_fanout.json); this keeps fan-out p99 under 100 ms.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 10, 10)


def raise_open_files_limit() -> int:
    """Every open connection (a desktop's event stream, a citizen app's long poll) is a file
    descriptor: the soft limit, often 1,024, is raised to the hard one the administrator allows."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    if soft < MIN_OPEN_FILES:
        log.warning(
            "open files limited to %d (ulimit -n): raise the hard limit for more than about %d connections",
            soft,
            soft - 200,
        )
    return soft


def _db_upgrade(settings: Settings, _args: argparse.Namespace) -> int:
    migrate.upgrade(settings.database_url)
    print("database schema is current")
    return 0


def _db_downgrade(settings: Settings, args: argparse.Namespace) -> int:
    migrate.downgrade(settings.database_url, args.revision)
    print(f"database schema at {args.revision}")
    return 0


def _users_create(settings: Settings, args: argparse.Namespace) -> int:
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise CommandError("no password on standard input")
    return asyncio.run(_users_create_async(settings, args, password))


async def _users_create_async(settings: Settings, args: argparse.Namespace, password: str) -> int:
    application = build_application(settings)
    async with application.running():
        group_ids = [await _group_id(application, ref) for ref in args.group]
        values = {
            "login": args.login,
            "full_name": args.name or args.login,
            "role": args.role,
            "password": password,
            "group_ids": group_ids,
            "enabled": True,
        }
        user = await application.context.organisation.create(CONSOLE, EntityKind.USER, values)
    print(f"created {user.role.value} {user.login} (id {user.id})")
    return 0


async def _group_id(application: Application, reference: str) -> int:
    organisation = application.context.organisation
    if reference.isdigit():
        return int((await organisation.get(CONSOLE, EntityKind.GROUP, int(reference))).id)
    page = await organisation.search(CONSOLE, EntityKind.GROUP, reference, limit=100, offset=0)
    matches = [group for group in page.items if group.name == reference]
    if len(matches) != 1:
        found = "no group" if not matches else f"{len(matches)} groups (give the id)"
        raise CommandError(f"--group {reference!r}: {found} named so")
    return int(matches[0].id)


def _tokens_create(settings: Settings, args: argparse.Namespace) -> int:
    return asyncio.run(_tokens_create_async(settings, args))


async def _tokens_create_async(settings: Settings, args: argparse.Namespace) -> int:
    application = build_application(settings)
    async with application.running():
        page = await application.context.organisation.search(CONSOLE, EntityKind.USER, args.login, 100, 0)
        user = next((u for u in page.items if u.login == args.login), None)
        if user is None:
            raise CommandError(f"no account {args.login!r}")
        token, _stored = await application.context.auth.create_api_token(CONSOLE, user.id, args.name)
    print(token)
    return 0


def _demo(settings: Settings, args: argparse.Namespace) -> int:
    return uvloop.run(_demo_async(settings, args))


async def _demo_async(settings: Settings, args: argparse.Namespace) -> int:
    # The demo's data is imported here: `serve` does not pay for it when it starts (or restarts).
    from c122.demo import case_type_ids, seed_demo
    from c122.demo_cases import seed_demo_cards
    from c122.demo_ivr import DemoIvr

    pending = await migrate.pending_revisions(settings.database_url)
    if pending:
        await migrate.upgrade_async(settings.database_url)
    if not args.no_serve:
        check_ports_free(settings, telephony=True)  # before the passwords, not a traceback after them
    application = build_application(settings, with_telephony=not args.no_serve)
    ivr = DemoIvr(application.context.ivr_flows, application.context.prompts)
    accounts = await seed_demo(application.context.organisation, application.uow_factory, ivr)
    operators = {account.login: account.actor for account in accounts}
    types = await case_type_ids(application.uow_factory)
    if await seed_demo_cards(application.context.cases.cards, operators, types):
        print("Demo case cards created for operator1, operator2 and operator5")
    print("Demo accounts (passwords are new on every run):")
    for account in accounts:
        print(f"  {account.login:<10} {account.role.value:<8} {account.password}")
    print(f"Sign in at http://{settings.http_host}:{settings.http_port}/auth", flush=True)
    if args.no_serve:
        await application.uow_factory.dispose()
        return 0
    rate = args.simulate
    await _run_http(application, (lambda: _simulate(application, rate)) if rate else None)
    return 0


async def _simulate(application: Application, calls_per_minute: float) -> None:
    source = SimulatedCallSource(application.contact_center)
    queue_ids = [queue.id for queue in await application.context.contact_center.queues(CONSOLE)]
    print(f"Simulated callers: {calls_per_minute:g} per minute into {len(queue_ids)} queue(s)", flush=True)
    try:
        await source.run(queue_ids, calls_per_minute)
    finally:
        source.close()


if __name__ == "__main__":
    sys.exit(main())
