"""Forms of the bureau's pages; validation rules shared with the API live in services."""

import unicodedata

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, ValidationError


def no_control_characters(form, field) -> None:
    """Text with NUL or other control characters is refused (PostgreSQL cannot store NUL)."""
    if field.data and any(unicodedata.category(char) == "Cc" for char in field.data):
        raise ValidationError(_l("不能包含控制字符"))


class LoginForm(FlaskForm):
    name = StringField(
        _l("用户名"), validators=[DataRequired(), Length(max=80), no_control_characters]
    )
    password = PasswordField(_l("密码"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("记住我"))
    next = HiddenField()
