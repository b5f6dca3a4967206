"""Command-line tools under `flask --app app`: init-db, users, tokens, import and export, the
ambassadors' rewards, the rhythm's reports and supervision, backup and restore."""

import sys
from pathlib import Path
from urllib.parse import parse_qsl

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade
from sqlalchemy import select

from crm.clock import city_today
from crm.extensions import db
from crm.models import Unit, User
from crm.reports import REPORTS
from crm.reports.params import parse_params
from crm.schemas.enterprises import ENTERPRISES
from crm.schemas.supply_links import SUPPLY_LINKS
from crm.services.backup import BackupError, backup_database, restore_database, schema_heads
from crm.services.enterprise_export import export_enterprises
from crm.services.errors import Forbidden, ValidationError
from crm.services.import_kinds import KINDS
from crm.services.reward_export import export_year
from crm.services.supply_link_export import export_supply_links
from crm.services.users import (
    UserError,
    create_token,
    create_user,
    deactivate_user,
    revoke_tokens,
    set_password,
)
from crm.spreadsheets import SpreadsheetError, read_table
from crm.vocabulary import AMBASSADOR_KIND, ROLE


@click.command("init-db")
@with_appcontext
def init_db():
    """Create the database schema, or upgrade it to the newest migration."""
    upgrade(directory=current_app.extensions["migrate"].directory)
    click.echo(
        f"数据库已就绪 / database ready: {db.engine.url.render_as_string(hide_password=True)}"
    )


@click.command("create-user")
@with_appcontext
@click.argument("name")
@click.option("--role", type=click.Choice(ROLE.keys), required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--display-name")
@click.option("--unit", "unit_name", help="Name of the user's unit (staff scope).")
@click.option("--can-verify", is_flag=True, help="Officials: may verify signing and landing.")
@click.option(
    "--ambassador-kind", type=click.Choice(AMBASSADOR_KIND.keys), default="investment_ambassador"
)
def create_user_command(
    name, role, password_stdin, display_name, unit_name, can_verify, ambassador_kind
):
    """Create a user; an ambassador also gets an ambassador profile."""
    password = _password(password_stdin)
    unit = None
    if unit_name:
        unit = db.session.scalar(select(Unit).where(Unit.name == unit_name))
        if unit is None:
            raise click.ClickException(f"单位不存在 / no such unit: {unit_name}")
    try:
        user = create_user(
            db.session,
            name,
            role,
            password,
            display_name=display_name,
            unit=unit,
            can_verify=can_verify,
            ambassador_kind=ambassador_kind if role == "ambassador" else None,
        )
    except UserError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"已创建用户 / created user {user.name} ({user.role})")
    if user.role == "staff" and unit is None:
        click.echo(
            "注意：未设单位的工作人员看不到线索和项目，也不能修改企业；请用 --unit 指定单位。\n"
            "Note: staff without a unit see no leads or projects and change no enterprise; "
            "give --unit.",
            err=True,
        )


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@click.command("set-password")
@with_appcontext
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def set_password_command(name, password_stdin):
    """Set the password of user NAME; every session of the user ends."""
    user = _user_named(name)
    try:
        set_password(db.session, user, _password(password_stdin), None)
    except UserError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"已设置密码 / password set for {name}")


@click.command("deactivate-user")
@with_appcontext
@click.argument("name")
def deactivate_user_command(name):
    """Deactivate user NAME: no log-in, sessions ended, API tokens revoked."""
    user = _user_named(name)
    try:
        deactivate_user(db.session, user, None)
    except UserError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"已停用 / deactivated {name}")


@click.command("create-token")
@with_appcontext
@click.argument("name")
@click.option("--label", help="What the token is for.")
@click.option("--expires", "days", type=int, help="Days until the token expires (default: never).")
def create_token_command(name, label, days):
    """Make an API token for user NAME and print only the token."""
    user = _user_named(name)
    try:
        token = create_token(db.session, user, label, expires_days=days)
    except UserError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(token)


@click.command("revoke-tokens")
@with_appcontext
@click.argument("name")
def revoke_tokens_command(name):
    """Revoke every API token of user NAME (they answer 401 from then on)."""
    user = _user_named(name)
    count = revoke_tokens(db.session, user)
    db.session.commit()
    click.echo(f"已撤销 {count} 个令牌 / revoked {count} token(s) of {name}")


def _user_named(name: str) -> User:
    user = db.session.scalar(select(User).where(User.name == name))
    if user is None:
        raise click.ClickException(f"用户不存在 / no such user: {name}")
    return user


@click.command("backup")
@with_appcontext
@click.argument("file", type=click.Path(dir_okay=False))
def backup_command(file):
    """Back up the whole database to FILE; safe while the server runs."""
    try:
        backup_database(db.engine, file, pg_dump=current_app.config.get("PG_DUMP", "pg_dump"))
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"已备份 / backed up {_database_shown()} to {file}")


@click.command("restore")
@with_appcontext
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="Replace the database without asking.")
def restore_command(file, yes):
    """Replace the whole database with the backup FILE; stop the server first."""
    directory = current_app.extensions["migrate"].directory

    def confirm():
        click.confirm(
            f"数据库 {_database_shown()} 的全部数据将被 {file} 替换，确定吗？ / "
            f"Replace everything in {_database_shown()} with {file}?",
            abort=True,
        )

    try:
        revisions = restore_database(
            db.engine,
            file,
            directory,
            pg_restore=current_app.config.get("PG_RESTORE", "pg_restore"),
            psql=current_app.config.get("PSQL", "psql"),
            before_replacing=None if yes else confirm,
        )
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"已恢复 / restored {file} into {_database_shown()}")
    if sorted(revisions) != sorted(schema_heads(directory)):
        # Restore puts back exactly what was saved; upgrading is init-db's job, as ever.
        click.echo(
            f"备份的数据库版本较旧（{', '.join(revisions)}），请运行 flask --app app init-db 升级 / "
            f"the backup's schema is older ({', '.join(revisions)}): run "
            "`flask --app app init-db` to upgrade it before starting the server"
        )


IMPORT_KINDS = tuple(KINDS)


@click.command("import")
@with_appcontext
@click.argument("kind", type=click.Choice(IMPORT_KINDS))
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check every row; write nothing.")
@click.option("--user", "user_name", help="Record the import as this user's.")
def import_command(kind, file, dry_run, user_name):
    """Import a spreadsheet (.xlsx or .csv); every row is checked first, and a file with a bad
    row is refused whole, each bad row printed (row, column, reason), with exit status 1."""
    actor = _user_named(user_name) if user_name else None
    path = Path(file)
    try:
        table = read_table(path.read_bytes(), path.name)
    except SpreadsheetError as error:
        raise click.ClickException(str(error.message)) from error
    mapping = KINDS[kind].map_columns(table)
    problems = KINDS[kind].mapping_problems(mapping)
    if problems:
        raise click.ClickException("；".join(problems))

    def progress(phase: str, done: int, total: int) -> None:
        click.echo(f"{PHASES.get(phase, phase)} {done:,}/{total:,}", err=True)

    outcome = KINDS[kind].run(db.session, table, mapping, actor, dry_run=dry_run, progress=progress)
    db.session.commit()
    if outcome.refused:
        for error in outcome.errors:
            click.echo(
                f"第 {error.row} 行 row {error.row} · {error.column}：{error.message}", err=True
            )
        raise click.ClickException(
            f"未导入：{len(outcome.errors)} 处错误 / refused: {len(outcome.errors)} error(s) "
            f"in {outcome.row_count:,} rows; nothing was written"
        )
    verb = "检查通过 / checked" if dry_run else "已导入 / imported"
    click.echo(
        f"{verb}: {outcome.row_count:,} rows, {outcome.created:,} new, "
        f"{outcome.updated:,} updated"
        + (f" (batch {outcome.batch_id})" if outcome.batch_id else "")
    )


PHASES = {"checking": "检查 / checking", "writing": "写入 / writing", "done": "完成 / done"}


@click.command("export")
@with_appcontext
@click.argument("kind", type=click.Choice(IMPORT_KINDS))
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--filter", "query", default="", help="The list's filters, e.g. 'district=420302'.")
def export_command(kind, file, query):
    """Export a list to .xlsx in the columns the import reads back."""
    try:
        if kind == "supply_links":
            filters = SUPPLY_LINKS.parse_filters(dict(parse_qsl(query)))
            count = export_supply_links(db.session, filters, None, file)
        else:
            filters = ENTERPRISES.parse_filters(dict(parse_qsl(query)))
            count = export_enterprises(
                db.session, filters, None, file, current_app.config["TIMEZONE"]
            )
    except ValidationError as error:
        raise click.ClickException(
            "；".join(f"{key}: {' '.join(messages)}" for key, messages in error.fields.items())
        ) from error
    click.echo(f"已导出 / exported {count:,} rows to {file}")


@click.command("supervise")
@with_appcontext
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The day to generate for (YYYY-MM-DD); today in the city by default.",
)
def supervise_command(as_of):
    """月督办: generate the month's supervision items and card those overdue (run it daily;
    running it twice creates no duplicates)."""
    from crm.clock import city_today
    from crm.services.supervision import SupervisionSettings, generate

    day = as_of.date() if as_of else city_today()
    if day > city_today():
        raise click.ClickException("不能为将来的日期生成督办 / as-of is in the future")
    settings = SupervisionSettings.from_config(current_app.config.get("SUPERVISION"))
    result = generate(db.session, day, None, settings)
    db.session.commit()
    click.echo(
        f"{day.isoformat()}: 新督办 / created {len(result.created)}, "
        f"保留 / kept {result.kept}, 亮牌 / carded {result.carded}"
    )


@click.command("rewards")
@with_appcontext
@click.argument("year", type=click.IntRange(2000, 2100))
@click.option("--out", "file", required=True, type=click.Path(dir_okay=False), help="The .xlsx.")
def rewards_command(year, file):
    """Export a year's ambassador rewards (summary, detail, rule) to .xlsx for approval."""
    count = export_year(db.session, current_app.config["CITY"], year, None, file)
    click.echo(f"已导出 / exported {year}: {count:,} ambassadors to {file}")


@click.command("report")
@with_appcontext
@click.argument("key")
@click.option("--as-of", "as_of", help="The day the report is read as of (YYYY-MM-DD; today).")
@click.option(
    "--scope", default="city", help="city, district:<code>, unit:<id or name>, leader:<name>."
)
@click.option(
    "--out", "out", required=True, type=click.Path(dir_okay=False), help="The .xlsx to write."
)
@click.option("--user", "user_name", help="Read as this user (their scope); default the system.")
def report_command(key, as_of, scope, out, user_name):
    """Write one of the rhythm's reports (weekly, monthly, quarterly, annual) as .xlsx."""
    kind = REPORTS.get(key)
    if kind is None:
        raise click.ClickException(
            f"没有这种报表 / no such report: {key} (known: {', '.join(sorted(REPORTS))})"
        )
    actor = _user_named(user_name) if user_name else None
    try:
        params = parse_params(db.session, as_of, scope, city_today())
        report = kind.build(db.session, actor, params)
    except ValidationError as error:
        raise click.ClickException(
            "；".join(f"{field}: {' '.join(messages)}" for field, messages in error.fields.items())
        ) from error
    except Forbidden as error:
        raise click.ClickException(
            f"无权查看 / forbidden: {error.message or '该用户无权查看报表'}"
        ) from error
    Path(out).write_bytes(kind.to_xlsx(report))
    click.echo(f"已写入 / written: {out} ({key}, {params.as_of.isoformat()}, {params.scope})")


def _database_shown() -> str:
    return db.engine.url.render_as_string(hide_password=True)


commands = [
    import_command,
    report_command,
    export_command,
    rewards_command,
    init_db,
    create_user_command,
    set_password_command,
    deactivate_user_command,
    create_token_command,
    revoke_tokens_command,
    backup_command,
    restore_command,
    supervise_command,
]
