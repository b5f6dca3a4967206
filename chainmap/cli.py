"""`flask --app app load-chain FILE`: load a chain definition, or bring the database's copy of it
in step with the file."""

import click
from flask.cli import with_appcontext

from crm.extensions import db


@click.command("load-chain")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def load_chain_command(file):
    """Load the chain in FILE (TOML, as data/chains/automotive.toml): add its new tiers,
    categories and segments, update changed names, and remove what the file dropped, unless
    records still use it."""
    # Imported here: ordinary commands need neither networkx nor the chain files.
    from chainmap.definition import ChainDefinitionError
    from chainmap.segments import ChainInUse, sync_chain

    try:
        with open(file, encoding="utf-8") as stream:
            definition, outcome = sync_chain(db.session, stream.read())
    except UnicodeDecodeError as error:
        raise click.ClickException("链文件须为 UTF-8 / the chain file must be UTF-8") from error
    except ChainDefinitionError as error:
        raise click.ClickException(f"链文件有误 / invalid chain file: {error}") from error
    except ChainInUse as error:
        db.session.rollback()
        lines = [f"  {code}: {'、'.join(names)}" for code, names in sorted(error.users.items())]
        raise click.ClickException(
            "文件删去的环节仍在使用，未作任何修改 / segments the file drops are still in use, "
            "nothing changed:\n" + "\n".join(lines)
        ) from error
    db.session.commit()
    click.echo(
        f"{definition.key}（{definition.name}）: "
        f"新增 {len(outcome.added)}，修改 {len(outcome.changed)}，删除 {len(outcome.removed)} / "
        f"added {len(outcome.added)}, changed {len(outcome.changed)}, "
        f"removed {len(outcome.removed)}"
    )


commands = [load_chain_command]
