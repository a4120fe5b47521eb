"""The ``xueji`` command line (API.md, "Command line and settings")."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from datetime import timedelta

from hub.auth import AuthError, check_binding, mint_token
from hub.cli_calendar import add_calendar_commands
from hub.cli_import import add_import_command
from hub.cli_sync import add_sync_commands
from hub.settings import Environment, Settings, SettingsError, load_settings
from rules.access import Principal, Role

logger = logging.getLogger(__name__)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        overrides = {"env": Environment.DEV} if getattr(args, "demo", False) else {}
        settings = load_settings(**overrides)
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    # Alembic announces every plugin it sets up; only its problems matter here.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    handler = args.handler
    result: int = handler(settings, args)
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="xueji", description="学籍数据中枢")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="apply migrations and serve GraphQL")
    serve.add_argument("--demo", action="store_true", help="fill a demo district")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(handler=_serve)

    token = commands.add_parser("token", help="print a bearer token for a role")
    token.add_argument("role", choices=[r.value for r in Role])
    token.add_argument("--school")
    token.add_argument("--class", dest="class_id", type=int)
    token.add_argument("--district")
    token.add_argument("--approval")
    token.add_argument("--subject", help="who the token is for")
    token.add_argument("--hours", type=int, help="validity in hours")
    token.set_defaults(handler=_token)

    db = commands.add_parser("db", help="database migrations")
    db_commands = db.add_subparsers(required=True, metavar="ACTION")
    db_commands.add_parser("upgrade").set_defaults(handler=_db_upgrade)
    down = db_commands.add_parser("downgrade")
    down.add_argument("revision")
    down.set_defaults(handler=_db_downgrade)
    db_commands.add_parser("check").set_defaults(handler=_db_check)

    audit = commands.add_parser("audit", help="the audit chain")
    audit_commands = audit.add_subparsers(required=True, metavar="ACTION")
    audit_commands.add_parser("verify").set_defaults(handler=_audit_verify)

    keys = commands.add_parser("keys", help="field-encryption keys")
    key_commands = keys.add_subparsers(required=True, metavar="ACTION")
    rotate = key_commands.add_parser("rotate", help="re-encrypt under a new key")
    rotate.add_argument("--old-key", required=True, help="the key being replaced")
    rotate.set_defaults(handler=_keys_rotate)

    add_sync_commands(commands)
    add_import_command(commands)
    add_calendar_commands(commands)
    return parser


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from db.migrate import upgrade
    from hub.app import create_app

    host = args.host or settings.host
    port = args.port or settings.port
    upgrade(settings.database_url)
    if args.demo:
        from hub.cli_sync import sync_demo
        from hub.demo import seed_demo
        from hub.welcome import first_class_id, print_welcome

        if asyncio.run(seed_demo(settings)):
            # A newcomer sees a full archive: household proofs, health checks,
            # fitness tests, vaccinations and awards from the simulators.
            print("正在从模拟的户籍、卫健、获奖系统同步演示数据……", flush=True)
            quiet = logging.getLogger("adapters"), logging.getLogger("resolvers")
            for noisy in quiet:
                noisy.setLevel(logging.WARNING)
            asyncio.run(sync_demo(settings))
            for noisy in quiet:
                noisy.setLevel(logging.NOTSET)
        print_welcome(settings, host, port, asyncio.run(first_class_id(settings)))
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
    return 0


def _token(settings: Settings, args: argparse.Namespace) -> int:
    role = Role(args.role)
    district = args.district
    if district is None and role in (
        Role.DISTRICT_OFFICER,
        Role.SYNC,
        Role.CITY_OFFICER,
    ):
        district = settings.district_code
    principal = Principal(
        subject=args.subject or f"{role.value}:{args.school or district or 'cli'}",
        role=role,
        district=district,
        school=args.school,
        class_id=args.class_id,
        approval=args.approval,
    )
    try:
        check_binding(principal)
    except AuthError as exc:
        print(f"xueji token: {exc}", file=sys.stderr)
        return 2
    hours = args.hours or settings.token_ttl_hours
    print(mint_token(principal, settings.token_key, ttl=timedelta(hours=hours)))
    return 0


def _db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    from db.migrate import upgrade

    upgrade(settings.database_url)
    return 0


def _db_downgrade(settings: Settings, args: argparse.Namespace) -> int:
    from db.migrate import downgrade

    downgrade(settings.database_url, args.revision)
    return 0


def _db_check(settings: Settings, args: argparse.Namespace) -> int:
    from alembic.util.exc import AutogenerateDiffsDetected

    from db.migrate import check

    try:
        check(settings.database_url)
    except AutogenerateDiffsDetected as exc:
        print(f"models and migrations differ: {exc}", file=sys.stderr)
        return 1
    print("models and migrations agree")
    return 0


def _audit_verify(settings: Settings, args: argparse.Namespace) -> int:
    from hub.maintenance import verify_audit

    faults = asyncio.run(verify_audit(settings))
    if not faults:
        print("audit chain intact")
        return 0
    for fault in faults:
        print(f"audit row {fault.row_id}: {fault.problem}")
    return 1


def _keys_rotate(settings: Settings, args: argparse.Namespace) -> int:
    from hub.maintenance import rotate_keys

    count = asyncio.run(rotate_keys(settings, args.old_key))
    print(f"re-encrypted {count} values under the current key")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
