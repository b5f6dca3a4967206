"""The demo city's commands: seed-demo and purge-demo (shapely and pyproj load only when run)."""

import time

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from crm.clock import city_today
from crm.extensions import db
from crm.models import User
from crm.services.demo_marks import has_demo
from crm.vocabulary import AMBASSADOR_KIND


@click.command("seed-demo")
@with_appcontext
@click.option("--enterprises", default=2000, show_default=True, help="Size of the demo city.")
@click.option("--seed", default=1, show_default=True, help="Same seed, same city.")
@click.option("--if-empty", is_flag=True, help="Load only into a database that has no users yet.")
@click.option("--replace", is_flag=True, help="Purge the demo city first, then load a new one.")
def seed_demo_command(enterprises, seed, if_empty, replace):
    """Load the fictional demo city (示例数据), marked as demo so it can be purged."""
    from demo.purge import purge_demo
    from demo.seed import DEMO_PASSWORD, DemoError, seed_demo

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
        click.echo(f"  {name:<12} {role:<10} {_readable(note)}")


def _readable(note: str) -> str:
    """An ambassador's note is the kind's key: print its labels instead."""
    if note in AMBASSADOR_KIND:
        return f"{AMBASSADOR_KIND.label(note)} / {AMBASSADOR_KIND.label(note, 'en').lower()}"
    return note


@click.command("purge-demo")
@with_appcontext
@click.confirmation_option(prompt="Delete every demo row?")
def purge_demo_command():
    """Delete the demo city (rows marked 示例数据); real data stays."""
    from demo.purge import purge_demo
    from demo.seed import DemoError

    try:
        removed = purge_demo(db.session)
    except DemoError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"已删除示例数据 / demo data purged ({removed:,} records and what hung from them)")


commands = [seed_demo_command, purge_demo_command]
