"""Enterprises (企业) declared once: what may be written, what a record and a list row show,
which filters the list takes, and the spreadsheet headers the import recognises."""

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from crm.clock import city_today
from crm.models import ChainSegment, District, Enterprise, Park
from crm.models.base import Area, Money
from crm.schemas.declaration import Declaration, pick
from crm.schemas.fields import (
    Amount,
    Choice,
    Choices,
    Count,
    CreditCode,
    Day,
    Flag,
    Location,
    QueryFlag,
    QueryNumber,
    Text,
    TextList,
    Timestamp,
)
from crm.vocabulary import ENTERPRISE_TAG, RATING


def _length(column) -> int:
    return column.type.length


NAME_LENGTH = _length(Enterprise.__table__.c.name)
MAX_EMPLOYEES = 10_000_000
MAX_ALIASES = 50
MAX_SEGMENTS = 100
EARLIEST_ESTABLISHED_ON = date(1800, 1, 1)


class EnterpriseInput(BaseModel):
    """What a client may write; a new record takes the defaults of what it leaves out."""

    model_config = ConfigDict(extra="forbid", title="EnterpriseInput")

    name: Text(NAME_LENGTH, required=True) = Field(title="企业名称")
    uscc: CreditCode = Field(None, title="统一社会信用代码")
    aliases: TextList(MAX_ALIASES, NAME_LENGTH) = Field(
        default_factory=list, title="别名", description="Other names the enterprise goes by."
    )
    is_leading: Flag = Field(False, title="龙头企业", description="龙头 (leading enterprise)")
    is_chain_leader: Flag = Field(False, title="链主企业", description="链主 (chain leader)")
    is_above_scale: Flag = Field(
        False, title="规上企业", description="规上 (above designated size)"
    )
    is_local: Flag = Field(
        True,
        title="本地企业",
        description="Local enterprise (false: an outside enterprise the bureau targets).",
    )
    district: Text(_length(District.__table__.c.code)) = Field(
        None, title="区县代码", description="The district's administrative code."
    )
    park: Text(_length(Park.__table__.c.name)) = Field(
        None, title="所在园区", description="The park's name."
    )
    segments: TextList(MAX_SEGMENTS, _length(ChainSegment.__table__.c.code)) = Field(
        default_factory=list,
        title="产业链环节",
        description="Codes of chain segments (level 'segment'), e.g. M501.",
    )
    tags: Choices(ENTERPRISE_TAG) = Field(default_factory=list, title="标签")
    location: Location = Field(None, title="位置")
    output_wan: Amount(Money, "annual output, 万元") = Field(None, title="年产值（万元）")
    tax_wan: Amount(Money, "annual tax paid, 万元") = Field(None, title="年税收（万元）")
    employees: Count(MAX_EMPLOYEES) = Field(None, title="从业人数")
    rd_spend_wan: Amount(Money, "R&D spend, 万元") = Field(None, title="研发投入（万元）")
    registered_capital_wan: Amount(Money, "registered capital, 万元") = Field(
        None, title="注册资本（万元）"
    )
    land_mu: Amount(Area, "land area, 亩") = Field(None, title="用地面积（亩）")
    energy_tce: Amount(Money, "energy use, tonnes of standard coal equivalent") = Field(
        None, title="综合能耗（吨标准煤）"
    )
    emissions_t: Amount(Money, "emissions, tonnes") = Field(None, title="排放量（吨）")
    safety_rating: Choice(RATING) = Field(None, title="安全生产评级")
    environment_rating: Choice(RATING) = Field(None, title="环保评级")
    established_on: Day(EARLIEST_ESTABLISHED_ON, latest=city_today) = Field(None, title="成立日期")
    legal_representative: Text(_length(Enterprise.__table__.c.legal_representative)) = Field(
        None, title="法定代表人"
    )
    address: Text(_length(Enterprise.__table__.c.address)) = Field(None, title="地址")
    industry_code: Text(_length(Enterprise.__table__.c.industry_code)) = Field(
        None, title="行业代码", description="GB/T 4754 industry code."
    )


class EnterpriseRecord(EnterpriseInput):
    """An enterprise as read: its fields and what the system sets."""

    model_config = ConfigDict(title="Enterprise", json_schema_serialization_defaults_required=True)

    id: int = Field(title="编号")
    version: int = Field(title="版本", description="Send it back with an update.")
    name_initials: str = Field(title="拼音首字母", description="Pinyin initials of the name.")
    created_at: Timestamp = Field(title="创建时间")
    updated_at: Timestamp = Field(title="更新时间")


EnterpriseSummary = pick(
    "EnterpriseSummary",
    EnterpriseRecord,
    (
        "id",
        "version",
        "uscc",
        "name",
        "name_initials",
        "district",
        "is_leading",
        "is_chain_leader",
        "is_above_scale",
        "is_local",
        "output_wan",
        "tax_wan",
        "employees",
        "updated_at",
    ),
)


class EnterpriseFilters(BaseModel):
    """The list's filters, as query parameters."""

    model_config = ConfigDict(extra="forbid", title="EnterpriseFilters")

    q: Text(200) = Field(
        None,
        description="A part of the name, an alias or the pinyin initials (anywhere), or the "
        "start of a credit code; case-insensitive.",
    )
    uscc: Text(100) = Field(None, description="A credit code, normalised before matching.")
    segment: Text(20) = Field(None, description="A chain segment code.")
    district: Text(20) = Field(None, description="A district code.")
    park: QueryNumber = Field(None, description="A park's id.")
    tag: Choice(ENTERPRISE_TAG) = Field(None, description="An enterprise tag.")
    is_leading: QueryFlag = Field(None, description="true or false: 龙头 (leading enterprise).")
    is_chain_leader: QueryFlag = Field(None, description="true or false: 链主 (chain leader).")
    is_above_scale: QueryFlag = Field(None, description="true or false: 规上.")
    is_local: QueryFlag = Field(
        None, description="true: local enterprises; false: outside enterprises the bureau targets."
    )
    safety_rating: Choice(RATING) = Field(None, description="A safety rating.")
    environment_rating: Choice(RATING) = Field(None, description="An environmental rating.")


ENTERPRISES = Declaration(
    fields=EnterpriseInput,
    record=EnterpriseRecord,
    summary=EnterpriseSummary,
    filters=EnterpriseFilters,
)
