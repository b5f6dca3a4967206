"""Annual targets (全年目标任务) declared once: one indicator's value for one year, set for a
district (and its zones) or a department (unit); and the grid spreadsheet the import and export
share (one row per district or department, one column per indicator)."""

from pydantic import BaseModel, ConfigDict, Field

from crm.models.base import Money
from crm.schemas.declaration import Declaration
from crm.schemas.fields import MAX_ID, Amount, Choice, Count, QueryNumber, Text, Timestamp
from crm.schemas.sheets import SheetColumn
from crm.vocabulary import TARGET_INDICATOR

FIRST_YEAR, LAST_YEAR = 2000, 2100
# Rates are per cent, whole counts are numbers of projects; the others are 万元.
RATE_INDICATORS = ("landing_rate", "starting_rate", "in_statistics_rate")
COUNT_INDICATORS = (
    "signed_count",
    "projects_started",
    "projects_completed",
    "projects_over_100m",
    "projects_over_1b",
    "projects_in_statistics",
)


class TargetInput(BaseModel):
    model_config = ConfigDict(extra="forbid", title="TargetInput")

    district_id: Count(MAX_ID) = Field(
        None, title="区县", description="The district's id; give it or unit_id, not both."
    )
    unit_id: Count(MAX_ID) = Field(
        None,
        title="部门",
        description="The department's (unit's) id; the city bureau's unit sets the city's.",
    )
    year: Count(LAST_YEAR) = Field(title="年度", description=f"{FIRST_YEAR} to {LAST_YEAR}.")
    indicator: Choice(TARGET_INDICATOR, nullable=False) = Field(title="指标")
    value: Amount(Money, "the target: a count, 万元, or a rate in per cent") = Field(
        title="目标值", description="Counts are whole numbers; rates are 0 to 100 (per cent)."
    )


class TargetRecord(TargetInput):
    model_config = ConfigDict(title="Target", json_schema_serialization_defaults_required=True)

    id: int = Field(title="编号")
    version: int = Field(title="版本", description="Send it back with an update.")
    owner_name: str = Field(title="区县或部门名称")
    created_at: Timestamp = Field(title="创建时间")
    updated_at: Timestamp = Field(title="更新时间")


class TargetFilters(BaseModel):
    model_config = ConfigDict(extra="forbid", title="TargetFilters")

    year: QueryNumber = Field(None, description="The year.")
    district: QueryNumber = Field(None, description="A district's id.")
    unit: QueryNumber = Field(None, description="A unit's id.")
    indicator: Text(40) = Field(None, description="An indicator's key.")


TARGETS = Declaration(
    fields=TargetInput, record=TargetRecord, summary=TargetRecord, filters=TargetFilters
)


# The grid's columns: the year, who the row is for (a district by name or code, or a
# department by name), then one column per indicator under its Chinese label (or its key).
SHEET_COLUMNS = (
    SheetColumn("year", "年度", "count", ("年份", "year")),
    SheetColumn("owner", "区县或部门", "owner", ("区县", "部门", "单位", "区县/部门", "owner")),
    *(
        SheetColumn(term.key, term.zh, "amount", (term.key, term.zh.split("(")[0]))
        for term in TARGET_INDICATOR
    ),
)
