"""The project form: fields as the page shows them, turned into the values the service takes."""

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

from crm.schemas.formats import decimal_text
from crm.vocabulary import PROJECT_STAGE, PROJECT_STATUS, PROJECT_TYPE, SECTOR

AMOUNT_FIELDS = (
    "total_investment_wan",
    "land_mu",
    "planned_investment_this_year_wan",
    "completed_investment_this_year_wan",
    "full_output_wan",
    "full_tax_wan",
)
DATE_FIELDS = ("signed_on", "started_on", "completed_on", "in_statistics_on")
CHOICE_FIELDS = ("project_type", "sector", "stage", "status", "district")
ID_FIELDS = ("leader_id", "owner_unit_id", "team_unit_id")


def _choice(label) -> SelectField:
    # The service checks the value and says what is wrong; the form only offers.
    return SelectField(label, validate_choice=False)


def _amount(label):
    return DecimalField(label, places=None, validators=[Optional()])


def _day(label):
    return DateField(label, validators=[Optional()])


def _terms(vocabulary) -> list[SelectChoice]:
    return [SelectChoice(term.key, term.zh) for term in vocabulary]


class ProjectForm(FlaskForm):
    name = StringField(_l("项目名称"))
    project_type = _choice(_l("项目类型"))
    sector = _choice(_l("行业"))
    enterprise_id = IntegerField(_l("投资企业编号"), validators=[Optional()])
    district = _choice(_l("所在区县"))
    owner_unit_id = _choice(_l("责任单位"))
    total_investment_wan = _amount(_l("总投资（万元）"))
    land_mu = _amount(_l("用地面积（亩）"))
    stage = _choice(_l("阶段"))
    status = _choice(_l("推进状态"))
    leader_id = _choice(_l("牵头领导"))
    team_unit_id = _choice(_l("工作专班单位"))
    plan = TextAreaField(_l("推进方案"))
    members = TextAreaField(
        _l("专班成员"),
        description=_l("每行一人：登录名或姓名，空格后写职责，如“li.ming 前期手续”"),
    )
    planned_investment_this_year_wan = _amount(_l("年度计划投资（万元）"))
    completed_investment_this_year_wan = _amount(_l("年度完成投资（万元）"))
    jobs = IntegerField(_l("带动就业（人）"), validators=[Optional()])
    in_statistics = BooleanField(_l("已入库纳统"))
    in_statistics_on = _day(_l("入库纳统日期"))
    signed_on = _day(_l("签约日期"))
    started_on = _day(_l("开工日期"))
    completed_on = _day(_l("竣工日期"))
    full_output_wan = _amount(_l("达产年产值（万元）"))
    full_tax_wan = _amount(_l("达产年税收（万元）"))
    version = HiddenField()
    original = HiddenField()

    def set_choices(self, districts, units, leaders) -> None:
        """districts: (code, name); units and leaders: (id, name)."""
        none = SelectChoice("", "—")
        self.project_type.choices = _terms(PROJECT_TYPE)
        self.sector.choices = _terms(SECTOR)
        self.stage.choices = _terms(PROJECT_STAGE)
        self.status.choices = _terms(PROJECT_STATUS)
        self.district.choices = [none, *(SelectChoice(code, name) for code, name in districts)]
        unit_choices = [SelectChoice(str(unit_id), name) for unit_id, name in units]
        self.owner_unit_id.choices = [none, *unit_choices]
        self.team_unit_id.choices = [none, *unit_choices]
        self.leader_id.choices = [none, *(SelectChoice(str(i), name) for i, name in leaders)]

    def set_people(self, logins: dict[int, str]) -> None:
        """Who may be named by log-in on the team: {user id: log-in name}."""
        self.logins = logins

    def fill(self, values: dict) -> None:
        """Show a record's values (those project_values gives), over anything submitted."""
        for field in self:
            if field.name not in ("csrf_token", "version", "original"):
                field.raw_data = None
        for key in (*DATE_FIELDS, "name", "plan", "jobs", "enterprise_id", "in_statistics"):
            self[key].data = values.get(key)
        for key in AMOUNT_FIELDS:
            amount = values.get(key)
            self[key].data = None if amount is None else Decimal(decimal_text(amount))
        for key in CHOICE_FIELDS:
            self[key].data = values.get(key) or self[key].default or ""
        for key in ID_FIELDS:
            self[key].data = "" if values.get(key) is None else str(values[key])
        self.members.data = "\n".join(
            " ".join(filter(None, (self._who(member), member.duty)))
            for member in values.get("members") or []
        )
        self.project_type.data = values.get("project_type") or "new_build"
        self.sector.data = values.get("sector") or "industry"
        self.stage.data = values.get("stage") or "planning"
        self.status.data = values.get("status") or "on_track"

    def values(self) -> dict:
        """What the service takes: typed values, keyed as the declaration names them."""
        values = {key: self[key].data for key in (*AMOUNT_FIELDS, *DATE_FIELDS)}
        values |= {key: self[key].data or None for key in CHOICE_FIELDS}
        values |= {key: _id(self[key].data) for key in ID_FIELDS}
        values["name"] = self.name.data or ""
        values["plan"] = self.plan.data or None
        values["jobs"] = self.jobs.data
        values["enterprise_id"] = self.enterprise_id.data
        values["in_statistics"] = bool(self.in_statistics.data)
        values["members"] = self._members()
        return values

    def _who(self, member) -> str | None:
        if member.user_id is not None:
            return getattr(self, "logins", {}).get(member.user_id, str(member.user_id))
        return member.name

    def _members(self) -> list[dict]:
        """A line per member: a log-in name (or a name without a log-in), then the duty."""
        user_ids = {name: user_id for user_id, name in getattr(self, "logins", {}).items()}
        members = []
        for line in (self.members.data or "").splitlines():
            who, _space, duty = line.strip().partition(" ")
            if not who:
                continue
            member = {"user_id": user_ids[who]} if who in user_ids else {"name": who}
            members.append(member | {"duty": duty.strip() or None})
        return members

    def show_errors(self, fields: dict[str, list[str]]) -> None:
        """A service's messages at the fields they belong to."""
        for key, messages in fields.items():
            field = self._fields.get(key) or self.name
            field.errors = [*field.errors, *messages]

    def original_values(self) -> dict:
        try:
            return json.loads(self.original.data or "{}")
        except ValueError:
            return {}


def _id(text) -> int | None:
    try:
        return int(text) if text not in (None, "") else None
    except (TypeError, ValueError):
        return None
