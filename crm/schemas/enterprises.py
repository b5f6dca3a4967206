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
from crm.schemas.sheets import SheetColumn
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

    name: Text(NAME_LENGTH, required=True, name=True) = Field(title="企业名称")
    uscc: CreditCode = Field(None, title="统一社会信用代码")
    aliases: TextList(MAX_ALIASES, NAME_LENGTH, names=True) = Field(
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
    legal_representative: Text(_length(Enterprise.__table__.c.legal_representative), name=True) = (
        Field(None, title="法定代表人")
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
    location_source: str | None = Field(
        title="坐标来源",
        description="The system the location was given in: wgs84, gcj02 or bd09 (it is stored "
        "converted to WGS-84).",
    )
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


def _column(key: str, kind: str = "text", *variants: str, header: str | None = None):
    title = header or EnterpriseRecord.model_fields[key].title
    return SheetColumn(key, title, kind, variants)


# The export's columns, in order; an edited export imports back (编号 and 版本 update).
SHEET_COLUMNS = (
    _column("id", "number", "企业编号", "ID"),
    _column("version", "number"),
    _column("name", "text", "单位名称", "公司名称", "企业名", "名称"),
    _column("uscc", "text", "信用代码", "社会信用代码", "统一信用代码", "USCC"),
    _column("aliases", "list", "简称", "曾用名"),
    _column("district", "district", "所在区县", "区县", "区（县）", header="区县"),
    _column("park", "text", "园区"),
    _column("segments", "segments", "环节", "产业链"),
    _column("tags", "tags"),
    _column("is_local", "flag", "是否本地企业"),
    _column("is_leading", "flag", "龙头", "是否龙头企业"),
    _column("is_chain_leader", "flag", "链主", "是否链主企业"),
    _column("is_above_scale", "flag", "规上", "规模以上企业", "是否规上企业"),
    SheetColumn("lon", "经度", "coordinate", ("经度（WGS-84）", "lon", "longitude")),
    SheetColumn("lat", "纬度", "coordinate", ("纬度（WGS-84）", "lat", "latitude")),
    # The system of the two columns before it: the export's are WGS-84; a sheet of 高德 or
    # Baidu coordinates says so here and is converted on import.
    SheetColumn("coordinate_system", "坐标系", "coordinate", ("坐标系统", "coordinate system")),
    _column("output_wan", "amount", "产值（万元）", "工业总产值（万元）", "营业收入（万元）"),
    _column("tax_wan", "amount", "税收（万元）", "纳税额（万元）", "实缴税金（万元）"),
    _column("employees", "count", "职工人数", "员工人数", "从业人员"),
    _column("rd_spend_wan", "amount", "研发费用（万元）"),
    _column("registered_capital_wan", "amount"),
    _column("land_mu", "amount", "占地面积（亩）", "用地（亩）"),
    _column("energy_tce", "amount", "能耗（吨标准煤）"),
    _column("emissions_t", "amount", "排放（吨）"),
    _column("safety_rating", "rating", "安全评级"),
    _column("environment_rating", "rating", "环保等级"),
    _column("established_on", "date", "成立时间", "注册日期"),
    _column("legal_representative", "text", "法人", "法人代表"),
    _column("address", "text", "注册地址", "企业地址"),
    _column("industry_code", "text", "国民经济行业代码", "行业分类代码"),
    _column("updated_at", "readonly"),
)
