"""Import pages: upload a file, match its columns and look at the first rows, then watch the
import run (every row checked, all written or none) and read what came of it."""

import json
import secrets
import threading
import time
from pathlib import Path

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from crm.errors import answer
from crm.extensions import db
from crm.models import ImportBatch, User
from crm.permissions import has_right, require
from crm.security import takes_upload, too_large_message
from crm.services.errors import Forbidden
from crm.services.import_kinds import KINDS
from crm.services.imports import BOARD
from crm.spreadsheets import SpreadsheetError, megabytes, read_table
from crm.views import blueprint

PREVIEW_ROWS = 10
# Uploads wait here between the steps; a day later they are gone.
KEEP_SECONDS = 24 * 3600


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _upload(token: str) -> tuple[dict, bytes]:
    """The upload behind a token, if it is this user's; 404 otherwise."""
    if not token.replace("-", "").replace("_", "").isalnum():
        abort(404)
    folder = _folder()
    try:
        meta = json.loads((folder / f"{token}.json").read_text())
        data = (folder / f"{token}.bin").read_bytes()
    except (OSError, ValueError):
        abort(404)
    if meta["user_id"] != current_user.id:
        abort(404)
    return meta, data


def _forget_old_uploads() -> None:
    cutoff = time.time() - KEEP_SECONDS
    for path in _folder().glob("*.*"):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


@blueprint.route("/imports/<kind>", methods=["GET", "POST"])
@takes_upload
@require("import.run")
def import_start(kind: str):
    if kind not in KINDS:
        abort(404)
    limit = current_app.config["IMPORT_MAX_BYTES"]
    error = None
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            error = _("请选择要导入的文件。")
        else:
            data = upload.stream.read(limit + 1)
            try:
                read_table(data, upload.filename, max_bytes=limit)
            except SpreadsheetError as problem:
                error = str(problem.message)
            else:
                _forget_old_uploads()
                token = secrets.token_urlsafe(16)
                folder = _folder()
                (folder / f"{token}.bin").write_bytes(data)
                meta = {"kind": kind, "file_name": upload.filename, "user_id": current_user.id}
                (folder / f"{token}.json").write_text(json.dumps(meta, ensure_ascii=False))
                return redirect(url_for("crm.import_columns", token=token))
    return _start_page(kind, error), (422 if error else 200)


def _start_page(kind: str, error: str | None) -> str:
    batches = db.session.execute(
        select(ImportBatch, User.display_name, User.name)
        .outerjoin(User, User.id == ImportBatch.created_by_id)
        .where(ImportBatch.kind == kind)
        .order_by(ImportBatch.id.desc())
        .limit(20)
    ).all()
    return render_template(
        "crm/import_start.html",
        kind=KINDS[kind],
        error=error,
        limit_mb=megabytes(current_app.config["IMPORT_MAX_BYTES"]),
        columns=KINDS[kind].columns.values(),
        batches=batches,
    )


@blueprint.errorhandler(RequestEntityTooLarge)
def too_large(error):
    """A file over the limit is refused before the view runs (the CSRF check reads the form):
    the upload page again, with the limit at the field, rather than a bare error page."""
    kind = (request.view_args or {}).get("kind")
    allowed = current_user.is_authenticated and has_right(current_user, "import.run")
    if request.endpoint != "crm.import_start" or kind not in KINDS or not allowed:
        return answer(413)
    return _start_page(kind, too_large_message()), 413


@blueprint.route("/imports/file/<token>", methods=["GET", "POST"])
@require("import.run")
def import_columns(token: str):
    meta, data = _upload(token)
    kind = KINDS[meta["kind"]]
    table = read_table(data, meta["file_name"], max_bytes=current_app.config["IMPORT_MAX_BYTES"])
    chosen = None
    if request.method == "POST":
        chosen = {
            index: request.form.get(f"column-{index}", "") for index in range(len(table.headers))
        }
    mapping = kind.map_columns(table, chosen)
    problems = kind.mapping_problems(mapping)
    if request.method == "POST" and not problems:
        _run(token, meta, mapping)
        return redirect(url_for("crm.import_progress", token=token))
    preview = []
    for row in table:
        preview.append(row)
        if len(preview) == PREVIEW_ROWS:
            break
    by_index = {index: key for key, index in mapping.columns.items()}
    return render_template(
        "crm/import_columns.html",
        token=token,
        meta=meta,
        kind=kind,
        table=table,
        by_index=by_index,
        columns=kind.columns.values(),
        problems=problems if request.method == "POST" or problems else [],
        preview=preview,
    ), (422 if request.method == "POST" and problems else 200)


def _run(token: str, meta: dict, mapping) -> None:
    """Import in a thread of its own, so the page can show how far it has got. With
    IMPORT_IN_BACKGROUND off (the tests' client), it runs within the request."""
    app = current_app._get_current_object()
    progress = BOARD.start(token, current_user.id)
    progress.kind = meta["kind"]
    user_id = current_user.id
    locale = str(get_locale())  # the thread has no request to take the language from

    def work():
        with app.app_context(), force_locale(locale):
            try:
                user = db.session.get(User, user_id)
                data = (_folder() / f"{token}.bin").read_bytes()
                table = read_table(
                    data, meta["file_name"], max_bytes=app.config["IMPORT_MAX_BYTES"]
                )
                progress.outcome = KINDS[meta["kind"]].run(
                    db.session, table, mapping, user, progress=progress.advance
                )
                db.session.commit()
                progress.phase = "done"
            except (Forbidden, SpreadsheetError) as problem:
                db.session.rollback()
                progress.phase, progress.message = "failed", str(problem)
            except Exception:
                db.session.rollback()
                progress.phase = "failed"
                app.logger.exception("import %s failed", token)
            finally:
                db.session.remove()
                for suffix in (".bin", ".json"):
                    (_folder() / f"{token}{suffix}").unlink(missing_ok=True)

    if current_app.config["IMPORT_IN_BACKGROUND"]:
        threading.Thread(target=work, name=f"import-{token}", daemon=True).start()
    else:
        work()


@blueprint.get("/imports/run/<token>")
@require("import.run")
def import_progress(token: str):
    progress = BOARD.get(token, current_user.id)
    if progress is None:
        flash(_("找不到这次导入（服务器可能已重启），请查看下面的导入记录。"), "error")
        return redirect(url_for("crm.import_start", kind="enterprises"))
    if progress.phase in ("done", "failed"):
        return render_template(
            "crm/import_result.html", progress=progress, kind=KINDS[progress.kind]
        )
    return render_template("crm/import_progress.html", token=token, progress=progress)


@blueprint.get("/imports/run/<token>/status")
@require("import.run")
def import_status(token: str):
    progress = BOARD.get(token, current_user.id)
    if progress is None:
        abort(404)
    return jsonify(
        phase=progress.phase,
        done=progress.done,
        total=progress.total,
        finished=progress.phase in ("done", "failed"),
    )
