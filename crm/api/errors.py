"""API errors: one exception, answered as {"error": {"code", "message", "fields"}}."""

from contextlib import contextmanager

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from crm.errors import json_error
from crm.services.errors import Forbidden, NotFound, UnknownFields, ValidationError

MALFORMED_JSON = _l("请求体不是有效的 JSON。")
NOT_AN_OBJECT = _l("请求体应为 JSON 对象。")
NOT_JSON = _l("请求体应为 JSON（Content-Type: application/json）。")
UNKNOWN_FIELDS = _l("请求中含有未知或只读字段。")
INVALID = _l("输入有误，请检查标出的字段。")
LOG_IN_FIRST = _l("请先登录。")
BAD_TOKEN = _l("访问令牌无效或已撤销。")
MALFORMED_AUTHORIZATION = _l("Authorization 请求头应为“Bearer 令牌”。")
CSRF_MISSING = _l("缺少有效的 CSRF 令牌（X-CSRFToken 请求头）。")
FORBIDDEN = _l("您的角色无权执行此操作。")
NOT_FOUND = _l("记录不存在，或您无权查看。")
CONFLICT = _l("记录已被他人修改，请基于最新版本重新提交。")


class ApiError(Exception):
    """An answer other than success; `extra` adds top-level keys (409's "current")."""

    def __init__(
        self,
        status: int,
        code: str,
        message,
        fields: dict[str, list[str]] | None = None,
        extra: dict | None = None,
    ):
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or {}
        self.extra = extra or {}


def token_expired(expired_at) -> str:
    from crm.templating import city_time

    return _("访问令牌已于 %(when)s 过期，请创建新的令牌。", when=city_time(expired_at))


def invalid(fields: dict[str, list[str]]) -> ApiError:
    return ApiError(422, "invalid", INVALID, fields)


def forbidden(message=None) -> ApiError:
    return ApiError(403, "forbidden", message or FORBIDDEN)


def not_found() -> ApiError:
    return ApiError(404, "not_found", NOT_FOUND)


def unsupported_media_type() -> ApiError:
    return ApiError(415, "unsupported_media_type", NOT_JSON)


def duplicate_key(key: str) -> ApiError:
    return ApiError(400, "duplicate_key", _("JSON 对象中的键“%(key)s”出现了不止一次。", key=key))


@contextmanager
def service_errors():
    """A service's refusal as an answer: 400 unknown fields, 422 wrong values, 403, 404."""
    try:
        yield
    except UnknownFields as error:
        raise ApiError(400, "unknown_fields", UNKNOWN_FIELDS, error.fields) from error
    except ValidationError as error:
        raise invalid(error.fields) from error
    except Forbidden as error:
        raise forbidden(error.message) from error
    except NotFound as error:
        raise not_found() from error


def handle_api_error(error: ApiError):
    return json_error(error.status, error.code, error.message, error.fields, error.extra)


def register(blueprint) -> None:
    blueprint.register_error_handler(ApiError, handle_api_error)
