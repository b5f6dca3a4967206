"""What can be imported: each kind's sheet columns, how its file's columns are matched and
checked, and the import that runs it. The import page, the API and the `import` command serve
every kind from here."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from crm.schemas.sheets import SheetColumn
from crm.services import enterprise_import, supply_link_import, target_sheet


@dataclass(frozen=True)
class ImportKind:
    key: str  # an IMPORT_KIND term
    title: object  # the page's title, e.g. 导入企业
    rules: object  # what the upload page says about the file's rows
    columns: Mapping[str, SheetColumn]
    map_columns: Callable
    mapping_problems: Callable
    run: Callable  # (session, table, mapping, actor, *, dry_run, progress) -> ImportOutcome


KINDS = {
    kind.key: kind
    for kind in (
        ImportKind(
            "enterprises",
            _l("导入企业"),
            _l(
                "第一行为表头；“企业名称”必填，其他列可选。列名与导出文件相同，也识别常见写法（如“单位名称”“信用代码”）。带“编号”的行更新该企业（带“版本”时须与当前版本一致），其余行新建企业。整个文件逐行检查，有任何错误则一行都不导入。"
            ),
            enterprise_import.COLUMNS,
            enterprise_import.map_columns,
            enterprise_import.mapping_problems,
            enterprise_import.import_enterprises,
        ),
        ImportKind(
            "supply_links",
            _l("导入供应关系"),
            _l(
                "第一行为表头；每行一条供应关系：供应商和客户各填名称或统一社会信用代码（填了信用代码的按信用代码找企业，否则按名称），两家企业都须已在企业库中。环节填代码（如 M501），份额填 0 到 1 之间的数或百分数（如 35%），可空。列名与导出文件相同。供应商、客户和环节都相同的供应关系已存在时更新其份额，否则新建。整个文件逐行检查，有任何错误则一行都不导入。"
            ),
            supply_link_import.COLUMNS,
            supply_link_import.map_columns,
            supply_link_import.mapping_problems,
            supply_link_import.import_supply_links,
        ),
        ImportKind(
            "targets",
            _l("导入全年目标"),
            _l(
                "第一行为表头；每行为一个区县或部门一个年度的目标：“年度”和“区县或部门”（区县名称或代码，或部门名称）必填，其后每个指标一列（列名同导出文件，如“签约项目数”“到位资金(万元)”“签约项目落地率(%)”）。项目数为整数，比率为 0 到 100 的百分数。填了的格设定该项目标，空格不改动已有目标。整个文件逐行检查，有任何错误则一行都不导入。"
            ),
            target_sheet.COLUMNS,
            target_sheet.map_columns,
            target_sheet.mapping_problems,
            target_sheet.import_targets,
        ),
    )
}
