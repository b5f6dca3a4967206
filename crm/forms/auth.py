"""The log-in form."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from crm.text import CONTROL_CHARACTERS, has_control_characters


def no_control_characters(form, field) -> None:
    if field.data and has_control_characters(field.data):
        raise ValidationError(CONTROL_CHARACTERS)


class LoginForm(FlaskForm):
    name = StringField(
        _l("用户名"), validators=[DataRequired(), Length(max=80), no_control_characters]
    )
    password = PasswordField(_l("密码"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("记住我"))
    next = HiddenField()
