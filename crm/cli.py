"""Command-line tools under `flask --app app`: init-db, users, tokens and the demo city."""

import sys
import time

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade
from sqlalchemy import select

from crm.clock import city_today
from crm.demo import has_demo
from crm.demo.purge import purge_demo
from crm.demo.seed import DEMO_PASSWORD, DemoError, seed_demo
from crm.extensions import db
from crm.models import Unit, User
from crm.services.users import UserError, create_token, create_user, revoke_tokens
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
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
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
            ambassador_kind=ambassador_kind,
        )
    except UserError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"已创建用户 / created user {user.name} ({user.role})")


@click.command("create-token")
@with_appcontext
@click.argument("name")
@click.option("--label", help="What the token is for.")
def create_token_command(name, label):
    """Make an API token for user NAME and print only the token."""
    user = _user_named(name)
    token = create_token(db.session, user, label)
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


@click.command("seed-demo")
@with_appcontext
@click.option("--enterprises", default=2000, show_default=True, help="Size of the demo city.")
@click.option("--seed", default=1, show_default=True, help="Same seed, same city.")
@click.option("--if-empty", is_flag=True, help="Load only into a database that has no users yet.")
@click.option("--replace", is_flag=True, help="Purge the demo city first, then load a new one.")
def seed_demo_command(enterprises, seed, if_empty, replace):
    """Load the fictional demo city (示例数据), marked as demo so it can be purged."""
    if if_empty and db.session.scalar(select(User.id).limit(1)) is not None:
        # Only a brand-new database gets the demo; one in use (or purged of it) is left alone.
        click.echo("数据库中已有数据，未加载示例数据 / the database is in use; no demo loaded")
        return
    if replace and has_demo(db.session):
        try:
            purge_demo(db.session)
        except DemoError as error:
            raise click.ClickException(str(error)) from error
    started = time.perf_counter()
    try:
        summary = seed_demo(db.session, enterprises=enterprises, seed=seed, today=city_today())
    except DemoError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    seconds = time.perf_counter() - started
    counts = ", ".join(f"{table} {count:,}" for table, count in summary.counts.items())
    click.echo(f"示例数据已加载 / demo city loaded in {seconds:.1f} s: {counts}")
    click.echo(f"示例账号 / demo log-ins (password: {DEMO_PASSWORD}):")
    for name, role, note in summary.logins:
        click.echo(f"  {name:<12} {role:<10} {note}")


@click.command("purge-demo")
@with_appcontext
@click.confirmation_option(prompt="Delete every demo row?")
def purge_demo_command():
    """Delete the demo city (rows marked 示例数据); real data stays."""
    try:
        removed = purge_demo(db.session)
    except DemoError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"已删除示例数据 / demo data purged ({removed:,} records and what hung from them)")


def _user_named(name: str) -> User:
    user = db.session.scalar(select(User).where(User.name == name))
    if user is None:
        raise click.ClickException(f"用户不存在 / no such user: {name}")
    return user


commands = [
    init_db,
    create_user_command,
    create_token_command,
    revoke_tokens_command,
    seed_demo_command,
    purge_demo_command,
]
