"""The ambassador form of the registry; the rules (known regions, industries and segments, the
term after the appointment) live in crm.services.ambassadors."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from crm.forms.accounts import MessagesAtFields, _vocabulary_choices
from crm.forms.enterprises import CheckboxesField
from crm.vocabulary import AMBASSADOR_KIND

TEXT_FIELDS = ("display_name", "phone", "email", "organisation", "title")
LIST_FIELDS = ("regions", "industries", "segments")


class AmbassadorForm(MessagesAtFields, FlaskForm):
    """Appoint (with a log-in name) or edit (the name stays) an ambassador."""

    fallback = "display_name"

    name = StringField(_l("用户名"), description=_l("登录时使用，如 wang.dashi"))
    display_name = StringField(_l("姓名"))
    phone = StringField(_l("电话"))
    email = StringField(_l("邮箱"))
    kind = SelectField(_l("类别"), validate_choice=False)
    organisation = StringField(_l("单位"))
    title = StringField(_l("职务"))
    appointed_on = DateField(_l("聘任日期"), validators=[Optional()])
    term_ends_on = DateField(_l("任期届满"), validators=[Optional()])
    regions = CheckboxesField(_l("地区网络"), validate_choice=False)
    industries = CheckboxesField(_l("行业网络"), validate_choice=False)
    segments = CheckboxesField(_l("产业链环节"), validate_choice=False)
    version = HiddenField()

    def set_choices(self, regions: list[str], industries: list[str], segment_groups) -> None:
        self.kind.choices = _vocabulary_choices(AMBASSADOR_KIND)
        self.regions.choices = [(name, name) for name in regions]
        self.industries.choices = [(word, word) for word in industries]
        self.segment_groups = segment_groups
        self.segments.choices = [
            (code, f"{code} {name}")
            for _group, segments in segment_groups
            for code, name in segments
        ]

    def fill(self, values: dict) -> None:
        for name in ("name", "kind", "appointed_on", "term_ends_on", *TEXT_FIELDS):
            self[name].data = values.get(name)
        for name in LIST_FIELDS:
            self[name].data = list(values.get(name) or [])
        self.version.data = values.get("version")

    def values(self, *, new: bool) -> dict:
        values = {name: self[name].data or None for name in TEXT_FIELDS}
        values |= {name: list(self[name].data or []) for name in LIST_FIELDS}
        values["kind"] = self.kind.data
        for name in ("appointed_on", "term_ends_on"):
            day = self[name].data
            values[name] = day.isoformat() if day else None
        if new:
            values["name"] = self.name.data
        return values


class RevokeForm(MessagesAtFields, FlaskForm):
    fallback = "revocation_reason"

    revocation_reason = TextAreaField(_l("撤销原因"))


class AcceptReferralForm(FlaskForm):
    """Accepting a referral in the inbox: the CSRF token alone."""


class DeclineReferralForm(MessagesAtFields, FlaskForm):
    fallback = "rejected_reason"

    rejected_reason = TextAreaField(_l("不予受理的原因"))


class TalentStepForm(MessagesAtFields, FlaskForm):
    """The talent desk's next step on one talent referral."""

    fallback = "status"

    status = SelectField(_l("下一步"), choices=[], validate_choice=False)
    rejected_reason = StringField(_l("未采纳的原因"))
    version = HiddenField()
