"""The enterprise form: fields as the page shows them, turned into the values the service takes."""

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
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

from crm.coordinates import WGS84
from crm.i18n import locale_key
from crm.schemas.formats import decimal_text
from crm.vocabulary import COORDINATE_SYSTEM, ENTERPRISE_TAG, RATING

AMOUNT_FIELDS = (
    "output_wan",
    "tax_wan",
    "rd_spend_wan",
    "registered_capital_wan",
    "land_mu",
    "energy_tce",
    "emissions_t",
)
TEXT_FIELDS = ("name", "uscc", "legal_representative", "address", "industry_code")
FLAG_FIELDS = ("is_leading", "is_chain_leader", "is_above_scale")
CHOICE_FIELDS = ("district", "park", "safety_rating", "environment_rating")


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _choice(label) -> SelectField:
    # The service checks the value (and says which code is unknown); the form only offers.
    return SelectField(label, validate_choice=False)


def _amount(label):
    return DecimalField(label, places=None, validators=[Optional()])


class EnterpriseForm(FlaskForm):
    name = StringField(_l("企业名称"))
    uscc = StringField(_l("统一社会信用代码"))
    aliases = TextAreaField(_l("别名（每行一个）"))
    is_local = RadioField(
        _l("企业类别"),
        choices=[SelectChoice("1", _l("本地企业")), SelectChoice("0", _l("外地目标企业"))],
        default="1",
    )
    is_leading = BooleanField(_l("龙头企业"))
    is_chain_leader = BooleanField(_l("链主企业"))
    is_above_scale = BooleanField(_l("规上企业"))
    district = _choice(_l("所在区县"))
    park = _choice(_l("所在园区"))
    segments = CheckboxesField(_l("产业链环节"), validate_choice=False)
    tags = CheckboxesField(_l("标签"), validate_choice=False)
    lon = DecimalField(_l("经度"), places=None, validators=[Optional()])
    lat = DecimalField(_l("纬度"), places=None, validators=[Optional()])
    # What a 高德 or Baidu picker gives is converted to WGS-84 on saving.
    coordinate_system = SelectField(_l("坐标系"), validate_choice=False)
    output_wan = _amount(_l("年产值（万元）"))
    tax_wan = _amount(_l("年税收（万元）"))
    employees = IntegerField(_l("从业人数"), validators=[Optional()])
    rd_spend_wan = _amount(_l("研发投入（万元）"))
    registered_capital_wan = _amount(_l("注册资本（万元）"))
    land_mu = _amount(_l("用地面积（亩）"))
    energy_tce = _amount(_l("综合能耗（吨标准煤）"))
    emissions_t = _amount(_l("排放量（吨）"))
    safety_rating = _choice(_l("安全生产评级"))
    environment_rating = _choice(_l("环保评级"))
    established_on = DateField(_l("成立日期"), validators=[Optional()])
    legal_representative = StringField(_l("法定代表人"))
    address = StringField(_l("地址"))
    industry_code = StringField(_l("行业代码（GB/T 4754）"))
    version = HiddenField()
    # The record as the form was first filled, so a conflict can show what others changed.
    original = HiddenField()

    def set_choices(self, districts, parks, segment_groups) -> None:
        """districts: (code, name); parks: names; segment_groups: (category, [(code, name)])."""
        none = SelectChoice("", "—")
        self.segment_groups = segment_groups
        self.district.choices = [none, *(SelectChoice(code, name) for code, name in districts)]
        self.park.choices = [none, *(SelectChoice(name) for name in parks)]
        self.segments.choices = [
            SelectChoice(code, name)
            for _category, segments in segment_groups
            for code, name in segments
        ]
        self.tags.choices = [SelectChoice(term.key, term.zh) for term in ENTERPRISE_TAG]
        ratings = [none, *(SelectChoice(key) for key in RATING.keys)]
        self.safety_rating.choices = ratings
        self.environment_rating.choices = ratings
        self.coordinate_system.choices = [
            SelectChoice(term.key, COORDINATE_SYSTEM.label(term.key, locale_key()))
            for term in COORDINATE_SYSTEM
        ]

    def fill(self, values: dict) -> None:
        """Show a record's values (those enterprise_values gives), over anything submitted."""
        for field in self:
            if field.name not in ("csrf_token", "version", "original"):
                field.raw_data = None
        for key in (*TEXT_FIELDS, *FLAG_FIELDS, "employees", "established_on"):
            self[key].data = values.get(key)
        for key in AMOUNT_FIELDS:
            # 100, not the column's 100.0000
            amount = values.get(key)
            self[key].data = None if amount is None else Decimal(decimal_text(amount))
        for key in CHOICE_FIELDS:
            self[key].data = values.get(key) or ""
        self.aliases.data = "\n".join(values.get("aliases") or [])
        self.is_local.data = "1" if values.get("is_local", True) else "0"
        self.segments.data = list(values.get("segments") or [])
        self.tags.data = list(values.get("tags") or [])
        location = values.get("location")
        self.lon.data, self.lat.data = (location.lon, location.lat) if location else (None, None)
        self.coordinate_system.data = WGS84  # the stored figures are WGS-84

    def values(self) -> dict:
        """What the service takes: typed values, keyed as the declaration names them."""
        values = {key: self[key].data for key in (*AMOUNT_FIELDS, *FLAG_FIELDS)}
        values |= {key: self[key].data or None for key in (*TEXT_FIELDS, *CHOICE_FIELDS)}
        values["name"] = self.name.data or ""
        values["employees"] = self.employees.data
        values["established_on"] = self.established_on.data
        values["aliases"] = [line.strip() for line in (self.aliases.data or "").splitlines()]
        values["aliases"] = [alias for alias in values["aliases"] if alias]
        values["is_local"] = self.is_local.data != "0"
        values["segments"] = list(self.segments.data or [])
        values["tags"] = list(self.tags.data or [])
        values["location"] = self._location()
        return values

    def _location(self) -> dict | None:
        if self.lon.data is None or self.lat.data is None:
            return None
        system = self.coordinate_system.data or WGS84
        return {"lon": float(self.lon.data), "lat": float(self.lat.data), "system": system}

    def validate(self, extra_validators=None) -> bool:
        # Checked on the whole form: a field's own validators stop at Optional() when it is
        # empty, and then half a location would be dropped without a word.
        valid = super().validate(extra_validators)
        if (self.lon.data is None) != (self.lat.data is None):
            missing = self.lat if self.lat.data is None else self.lon
            missing.errors = [*missing.errors, _l("经度和纬度应同时填写")]
            return False
        return valid

    def show_errors(self, fields: dict[str, list[str]]) -> None:
        """A service's messages at the fields they belong to."""
        for key, messages in fields.items():
            field = self.lon if key == "location" else self._fields.get(key)
            if field is None:
                field = self.name
            field.errors = [*field.errors, *messages]

    def original_values(self) -> dict:
        try:
            return json.loads(self.original.data or "{}")
        except ValueError:
            return {}
