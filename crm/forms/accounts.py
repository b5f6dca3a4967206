"""Forms of accounts: a user's own password and tokens, and the administrator's user form.
The rules (password strength, who may hold which role) live in crm.services.users."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, NumberRange, Optional

from crm.i18n import locale_key
from crm.vocabulary import AMBASSADOR_KIND, ROLE


class MessagesAtFields:
    """A service's messages shown at the fields they name; others at `fallback`."""

    fallback = "password"

    def show_errors(self, fields: dict[str, list[str]]) -> None:
        for key, messages in fields.items():
            field = self._fields.get(key) or self._fields[self.fallback]
            field.errors = [*field.errors, *messages]


class PasswordChangeForm(MessagesAtFields, FlaskForm):
    current = PasswordField(_l("当前密码"), validators=[DataRequired()])
    password = PasswordField(_l("新密码"), validators=[DataRequired()])
    confirm = PasswordField(_l("再次输入新密码"), validators=[DataRequired()])


class PasswordSetForm(MessagesAtFields, FlaskForm):
    password = PasswordField(_l("新密码"), validators=[DataRequired()])
    confirm = PasswordField(_l("再次输入新密码"), validators=[DataRequired()])


class TokenForm(MessagesAtFields, FlaskForm):
    fallback = "name"

    name = StringField(_l("用途"), validators=[DataRequired()])
    expires_days = IntegerField(
        _l("有效天数"), validators=[Optional(), NumberRange(min=1, max=3650)]
    )


def _vocabulary_choices(vocabulary, empty=None) -> list[tuple[str, str]]:
    choices = [(key, vocabulary.label(key, locale_key())) for key in vocabulary.keys]
    return [("", empty), *choices] if empty is not None else choices


class UserForm(MessagesAtFields, FlaskForm):
    """Create (with a name) or edit (the name stays) a user; `version` guards the edit."""

    fallback = "name"

    name = StringField(_l("用户名"), description=_l("登录时使用，如 li.ming"))
    display_name = StringField(_l("姓名"))
    role = SelectField(_l("角色"), validate_choice=False)
    unit_id = SelectField(_l("单位"), validate_choice=False)
    can_verify = BooleanField(_l("可核验签约和落地（仅领导）"))
    ambassador_kind = SelectField(_l("大使类别（仅大使）"), validate_choice=False)
    version = HiddenField()

    def set_choices(self, units: list[tuple[int, str]]) -> None:
        self.role.choices = _vocabulary_choices(ROLE)
        self.unit_id.choices = [("", _l("（无单位）")), *((str(id_), name) for id_, name in units)]
        self.ambassador_kind.choices = _vocabulary_choices(AMBASSADOR_KIND, _l("（不适用）"))

    def fill(self, values: dict) -> None:
        for name in ("name", "display_name", "role", "can_verify", "ambassador_kind"):
            self[name].data = values.get(name)
        self.unit_id.data = str(values["unit_id"]) if values.get("unit_id") else ""
        self.version.data = values.get("version")

    def values(self, *, new: bool) -> dict:
        """The values the service takes; an edit leaves the name and the ambassador kind."""
        values = {
            "display_name": self.display_name.data,
            "role": self.role.data,
            "unit_id": _unit_id(self.unit_id.data),
            "can_verify": self.can_verify.data,
        }
        if new:
            values["name"] = self.name.data
            values["ambassador_kind"] = self.ambassador_kind.data or None
        return values


def _unit_id(text: str | None):
    # Anything but an id or nothing goes to the service as it came, which names the problem.
    if not text:
        return None
    return int(text) if text.isdigit() else text
