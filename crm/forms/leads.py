"""The lead form, the activity form and the board's move form: fields as the pages show them,
turned into the values the services take."""

import json
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional

from crm.forms.enterprises import CheckboxesField
from crm.schemas.formats import decimal_text
from crm.vocabulary import ACTIVITY_KIND, LEAD_SOURCE, LEAD_STAGE, LEAD_STATUS, SECTOR

TEXT_FIELDS = ("name", "lost_reason", "lost_to", "next_step", "basis")
CHOICE_FIELDS = ("source", "stage", "status", "sector", "district")
AMOUNT_FIELDS = ("intended_investment_wan", "signed_amount_wan")
DATE_FIELDS = ("next_step_on", "signed_on")
# A service's message for the inline enterprise, at the form's field for it.
NEW_ENTERPRISE_FIELDS = {
    "new_enterprise.name": "new_enterprise_name",
    "new_enterprise.uscc": "new_enterprise_uscc",
    "new_enterprise.district": "district",
    "new_enterprise": "new_enterprise_name",
}


def _choice(label) -> SelectField:
    return SelectField(label, validate_choice=False)


def _vocabulary_choices(vocabulary, locale: str, blank: bool = True) -> list:
    choices = [SelectChoice("", "—")] if blank else []
    return choices + [
        SelectChoice(term.key, vocabulary.label(term.key, locale)) for term in vocabulary
    ]


class LeadForm(FlaskForm):
    name = StringField(_l("线索名称"))
    enterprise = IntegerField(_l("企业编号"), validators=[Optional()])
    new_enterprise_name = StringField(_l("新企业名称"))
    new_enterprise_uscc = StringField(_l("新企业统一社会信用代码"))
    new_enterprise_local = BooleanField(_l("本地企业"))
    source = _choice(_l("线索来源"))
    stage = _choice(_l("阶段"))
    status = _choice(_l("状态"))
    lost_reason = StringField(_l("流失原因"))
    lost_to = StringField(_l("流失去向（被谁引走）"))
    intended_investment_wan = DecimalField(
        _l("意向投资额（万元）"), places=None, validators=[Optional()]
    )
    sector = _choice(_l("产业类别"))
    segments = CheckboxesField(_l("产业链环节"), validate_choice=False)
    district = _choice(_l("意向落地区县"))
    owner = _choice(_l("负责人"))
    owner_unit = _choice(_l("责任单位"))
    likelihood = IntegerField(_l("成功可能性（%）"), validators=[Optional()])
    next_step = StringField(_l("下一步工作"))
    next_step_on = DateField(_l("下一步日期"), validators=[Optional()])
    basis = TextAreaField(_l("线索依据"))
    signed_amount_wan = DecimalField(_l("签约金额（万元）"), places=None, validators=[Optional()])
    signed_on = DateField(_l("签约日期"), validators=[Optional()])
    version = HiddenField()
    original = HiddenField()

    def set_choices(self, locale, districts, segment_groups, owners, units) -> None:
        none = SelectChoice("", "—")
        self.segment_groups = segment_groups
        self.source.choices = _vocabulary_choices(LEAD_SOURCE, locale)
        self.stage.choices = _vocabulary_choices(LEAD_STAGE, locale, blank=False)
        self.status.choices = _vocabulary_choices(LEAD_STATUS, locale, blank=False)
        self.sector.choices = _vocabulary_choices(SECTOR, locale)
        self.district.choices = [none, *(SelectChoice(code, name) for code, name in districts)]
        self.segments.choices = [
            SelectChoice(code, name)
            for _group, segments in segment_groups
            for code, name in segments
        ]
        self.owner.choices = [none, *(SelectChoice(str(key), name) for key, name in owners)]
        self.owner_unit.choices = [none, *(SelectChoice(str(key), name) for key, name in units)]

    def fill(self, values: dict) -> None:
        for field in self:
            if field.name not in ("csrf_token", "version", "original"):
                field.raw_data = None
        for key in (*TEXT_FIELDS, *DATE_FIELDS, "likelihood", "enterprise"):
            self[key].data = values.get(key)
        for key in AMOUNT_FIELDS:
            amount = values.get(key)
            self[key].data = None if amount is None else Decimal(decimal_text(amount))
        for key in CHOICE_FIELDS:
            self[key].data = values.get(key) or ""
        self.stage.data = values.get("stage") or "clue"
        self.status.data = values.get("status") or "active"
        self.owner.data = str(values["owner"]) if values.get("owner") else ""
        self.owner_unit.data = str(values["owner_unit"]) if values.get("owner_unit") else ""
        self.segments.data = list(values.get("segments") or [])

    def values(self, *, new: bool) -> dict:
        values = {key: (self[key].data or "").strip() or None for key in TEXT_FIELDS}
        values["name"] = values["name"] or ""
        values |= {key: self[key].data or None for key in CHOICE_FIELDS}
        values |= {key: self[key].data for key in (*AMOUNT_FIELDS, *DATE_FIELDS, "likelihood")}
        values["segments"] = list(self.segments.data or [])
        values["owner"] = int(self.owner.data) if (self.owner.data or "").isdigit() else None
        unit = self.owner_unit.data or ""
        values["owner_unit"] = int(unit) if unit.isdigit() else None
        values["enterprise"] = self.enterprise.data
        if new and self.enterprise.data is None and (self.new_enterprise_name.data or "").strip():
            values["new_enterprise"] = {
                "name": self.new_enterprise_name.data,
                "uscc": (self.new_enterprise_uscc.data or "").strip() or None,
                "is_local": bool(self.new_enterprise_local.data),
            }
        return values

    def show_errors(self, fields: dict[str, list[str]]) -> None:
        for key, messages in fields.items():
            name = NEW_ENTERPRISE_FIELDS.get(key, key)
            if key.startswith("new_enterprise.") and name == key:
                name = "new_enterprise_name"
            field = self._fields.get(name) or self.name
            field.errors = [*field.errors, *messages]

    def original_values(self) -> dict:
        try:
            return json.loads(self.original.data or "{}")
        except ValueError:
            return {}


class ActivityForm(FlaskForm):
    kind = _choice(_l("方式"))
    occurred_on = DateField(_l("日期"), validators=[Optional()])
    participants = StringField(_l("参加人员"))
    notes = TextAreaField(_l("情况记录"))
    follow_up = StringField(_l("跟进事项"))

    def set_choices(self, locale) -> None:
        self.kind.choices = _vocabulary_choices(ACTIVITY_KIND, locale)

    def values(self) -> dict:
        values = {
            key: (self[key].data or "").strip() or None
            for key in ("participants", "notes", "follow_up")
        }
        values["kind"] = self.kind.data or None
        values["occurred_on"] = self.occurred_on.data
        return values

    def show_errors(self, fields: dict[str, list[str]]) -> None:
        for key, messages in fields.items():
            field = self._fields.get(key) or self.notes
            field.errors = [*field.errors, *messages]


class MoveForm(FlaskForm):
    """The board's questions when a card moves to another stage: those of the lead form."""

    stage = HiddenField()
    version = HiddenField()
    signed_amount_wan = DecimalField(_l("签约金额（万元）"), places=None, validators=[Optional()])
    signed_on = DateField(_l("签约日期"), validators=[Optional()])
    next_step = StringField(_l("下一步工作"))
    next_step_on = DateField(_l("下一步日期"), validators=[Optional()])
