"""Error pages in the user's language, and the one JSON error envelope every API answer uses."""

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l

from crm.extensions import db
from crm.security import too_large_message

# The status codes with a page of their own, and their messages.
MESSAGES = {
    400: _l("请求无法处理，请检查输入。"),
    403: _l("您的角色无权访问此页面。"),
    404: _l("页面不存在，或您无权查看。"),
    405: _l("不支持此操作。"),
    413: _l("文件太大。"),  # shown naming the limit instead: see answer()
    429: _l("尝试次数过多，请稍后再试。"),
    500: _l("服务器出错，我们已记录此问题。"),
}
CODES = {
    400: "bad_request",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    429: "too_many_requests",
    500: "server_error",
}


def json_error(
    status: int, code: str, message, fields: dict | None = None, extra: dict | None = None
):
    """{"error": {"code", "message", "fields"}}, plus any top-level keys (409's "current")."""
    body = {
        "error": {"code": code, "message": str(message), "fields": fields or {}},
        **(extra or {}),
    }
    response = jsonify(body)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="InvestAtlas"'
    return response


def register(app: Flask) -> None:
    for status in MESSAGES:
        app.register_error_handler(status, _handler(status))


def _handler(status: int):
    def handle(error):
        if status == 500:
            db.session.rollback()  # the failed transaction must not break the error page too
        return answer(status)

    return handle


def answer(status: int):
    """The error as JSON under /api/, as a page elsewhere."""
    # 413 says which limit applied: the one for files or the one for everything else.
    message = too_large_message() if status == 413 else str(MESSAGES[status])
    if request.path.startswith("/api/"):
        return json_error(status, CODES[status], message)
    return render_template("errors/error.html", status=status, message=message), status
