"""Workbooks written with openpyxl (issue 16): the import templates (drop-down lists, ID columns as text), an
import's report, and exports (the pool list with the same filters as ``GET /experts``)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from assignment.services.draw_records import all_exclusions
from assignment.services.views import list_requests, panel_history
from conflicts.live import LiveGraph
from conflicts.policy import EDGE_LABELS, EdgeKind
from core.records import get_or_404
from decisions.tables import DecisionItem
from registry.domain.vocab import Gender, InstitutionKind, Sector
from registry.services.office_views import annual_reviews
from registry.services.views import list_experts
from registry.tables import Expert, Specialty
from spreadsheets.domain.rows import EXPERT_COLUMNS, INSTITUTION_COLUMNS, RELATION_COLUMNS, Column
from spreadsheets.services.imports import all_report_rows, get_job

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE_ROWS = 2000  # rows the drop-downs and text formats cover
EXPORT_PAGE = 500
MAX_EXPORT_ROWS = 100_000
TEXT_COLUMNS = {"id_number", "phone", "credit_code", "certificate_no"}
_BOLD = Font(bold=True)
_REQUIRED = PatternFill("solid", fgColor="FFF2CC")
STATUS_LABELS = {"accepted": "已导入", "rejected": "未导入", "existing": "已存在，未重复添加",
                 "possible_duplicate": "已导入，疑似重复待确认"}


def _bytes(workbook: Workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _sheet_rows(sheet: Worksheet, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = _BOLD
    for row in rows:
        sheet.append(list(row))
    for n, title in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(n)].width = max(10, min(40, 2 * len(title) + 4))
    sheet.freeze_panes = "A2"


def _list_validation(workbook: Workbook, sheet: Worksheet, options_sheet: Worksheet, position: int, title: str,
                     values: list[str], letter: str) -> None:
    """A drop-down on ``letter`` of ``sheet`` offering ``values`` (listed in column ``position`` of the
    options sheet: a list written inline is limited to 255 characters)."""
    column = get_column_letter(position)
    options_sheet.cell(row=1, column=position, value=title).font = _BOLD
    for n, value in enumerate(values, start=2):
        options_sheet.cell(row=n, column=position, value=value)
    source = f"{quote_sheetname(options_sheet.title)}!${column}$2:${column}${len(values) + 1}"
    validation = DataValidation(type="list", formula1=source, allow_blank=True, showErrorMessage=True,
                                errorTitle="取值不在列表中", error=f"请从下拉列表中选择{title}")
    validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
    sheet.add_data_validation(validation)


def _template(columns: tuple[Column, ...], sheet_title: str,
              lists: dict[str, tuple[str, list[str]]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = sheet_title
    options = workbook.create_sheet("可选值")
    sheet.append([c.header for c in columns])
    for n, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=n)
        cell.font = _BOLD
        if column.required:
            cell.fill = _REQUIRED
        letter = get_column_letter(n)
        sheet.column_dimensions[letter].width = 22 if column.key in TEXT_COLUMNS else 16
        if column.key in TEXT_COLUMNS:  # Excel keeps 15 digits of a number: an 18-digit ID must stay text
            sheet.column_dimensions[letter].number_format = "@"
            for row in range(2, TEMPLATE_ROWS + 2):
                sheet.cell(row=row, column=n).number_format = "@"
    for position, (key, (title, values)) in enumerate(lists.items(), start=1):
        n = next(i for i, c in enumerate(columns, start=1) if c.key == key)
        _list_validation(workbook, sheet, options, position, title, values, get_column_letter(n))
    notes = workbook.create_sheet("填写说明")
    notes.append(["列", "必填", "说明"])
    for column in columns:
        notes.append([column.header, "是" if column.required else "", column.hint])
    sheet.freeze_panes = "A2"
    return _bytes(workbook)


async def expert_template() -> bytes:
    specialties = [r["name"] for r in await Specialty.select(Specialty.name).order_by(Specialty.code)]
    pools = [r["name"] for r in await Specialty.select(Specialty.name).where(Specialty.parent_code.is_null())
             .order_by(Specialty.code)]
    return _template(EXPERT_COLUMNS, "专家", {
        "gender": ("性别", [g.label for g in Gender]),
        "sector": ("来源类别", [s.label for s in Sector]),
        "specialties": ("专业", specialties),
        "sub_pool": ("所属子库", pools),
    })


def institution_template() -> bytes:
    return _template(INSTITUTION_COLUMNS, "机构", {"kind": ("机构类型", [k.label for k in InstitutionKind])})


REPORT_HEADER = ["行号", "结果", "姓名/名称", "列", "原因", "规则", "记录编号", "疑似重复的记录", "相似度",
                 "全部问题"]


def relation_template() -> bytes:
    kinds = [label for kind, label in EDGE_LABELS.items() if kind not in (EdgeKind.PART_OF, EdgeKind.DRAFTS)]
    ends = ["专家", "机构", "人员", "事项"]
    return _template(RELATION_COLUMNS, "关系", {"kind": ("关系类型", kinds), "source_kind": ("起点类型", ends),
                                              "target_kind": ("终点类型", ends)})


async def report_workbook(job_id: int) -> tuple[str, bytes]:
    job = await get_job(job_id)
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "导入结果"
    rows = await all_report_rows(job_id)
    _sheet_rows(sheet, REPORT_HEADER,
                ([r.row_number, STATUS_LABELS.get(r.status, r.status), r.label, r.column, r.reason, r.rule_id or "",
                  r.record_id, r.other_id, r.score,
                  "；".join(f"{p.column}：{p.reason}" for p in r.problems)] for r in rows))
    summary = workbook.create_sheet("汇总")
    for label, value in (("文件", job.filename), ("状态", job.status), ("数据行", job.total),
                         ("已处理", job.rows_done), ("已导入", job.accepted), ("未导入", job.rejected),
                         ("已存在或疑似重复", job.duplicates), ("导入人", job.created_by),
                         ("开始时间", job.created_at.isoformat())):
        summary.append([label, value])
    return f"import-{job_id}-report.xlsx", _bytes(workbook)


EXPERT_EXPORT_HEADER = ["编号", "姓名", "性别", "身份证号（脱敏）", "手机（脱敏）", "电子邮箱", "职称", "地区",
                        "来源类别", "专业", "现工作单位", "聘期", "可参加抽取", "不可抽取的原因", "疑似重复"]


async def experts_workbook(on: date, specialty: str | None, sector: str | None, region: str | None, q: str | None,
                           eligible: bool | None, employer: str | None) -> bytes:
    """The pool list with the same filters as ``GET /experts`` (personal data masked, R-REC-4)."""
    names = {r["code"]: r["name"] for r in await Specialty.select(Specialty.code, Specialty.name)}
    genders = {g.value: g.label for g in Gender}
    sectors = {s.value: s.label for s in Sector}
    rows: list[list[Any]] = []
    offset = 0
    while offset < MAX_EXPORT_ROWS:
        page = await list_experts(on, specialty, sector, region, q, eligible, offset, EXPORT_PAGE, employer)
        for e in page.items:
            current = [x.employer_name for x in e.employments if x.end is None or x.end >= on]
            terms = [f"{t.start}至{t.end}" for t in e.terms]
            eligibility = e.eligibility
            rows.append([e.id, e.name, genders.get(e.gender, e.gender), e.id_number, e.phone, e.email, e.title,
                         e.region, sectors.get(e.sector, e.sector), "、".join(names.get(c, c) for c in e.specialties),
                         "、".join(current), "；".join(terms),
                         "" if eligibility is None else ("是" if eligibility.eligible else "否"),
                         "" if eligibility is None else "；".join(f"{r.message}（{r.rule_id}）"
                                                                 for r in eligibility.reasons),
                         "、".join(str(i) for i in e.possible_duplicate_ids)])
        offset += EXPORT_PAGE
        if offset >= page.total:
            break
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "专家库"
    _sheet_rows(sheet, EXPERT_EXPORT_HEADER, rows)
    return _bytes(workbook)


PURPOSES = {"argument": "专家论证", "assessment": "风险评估", "evaluation": "第三方评估"}
STAGES = {"registry": "库内资格", "conflict": "利害关系回避", "possible_conflict": "可能的利害关系",
          "workload": "工作量"}
MEMBER_HEADER = ["申请编号", "抽取记录", "第几次抽取", "类型", "编号", "名称", "入选概率", "组长", "库外专家理由",
                 "邀请状态", "随机种子", "候选名单指纹"]
EXCLUSION_HEADER = ["申请编号", "抽取记录", "第几次抽取", "类型", "编号", "名称", "排除环节", "规则", "原因"]
REVIEW_HEADER = ["考核编号", "年度", "专家编号", "姓名", "考核日期", "履职情况", "考核建议", "依据", "状态", "决定",
                 "决定说明", "决定日期"]


async def item_panels_workbook(live: LiveGraph, item_id: int, today: date) -> bytes:
    """An item's panel requests, every panel drawn for them (draws and replacements) with its members and
    chances, and each exclusion with its stage and rule ids: the selection record for filing (R-PANEL-2)."""
    await get_or_404(DecisionItem, item_id, "decision item", "item_id")
    requests: list[Any] = []
    offset = 0
    while True:
        page = await list_requests(live, item_id, offset, 100, today)
        requests += page.items
        offset += 100
        if offset >= page.total:
            break
    request_rows, member_rows, exclusion_rows = [], [], []
    for r in requests:
        request_rows.append([r.id, PURPOSES.get(r.purpose, r.purpose), r.mode, r.size, r.minimum_size,
                             r.handover_on, r.deadline, r.requested_by, r.status])
        invited = {(i.panel_id, i.subject.kind, i.subject.id): i.status for i in r.invitations}
        panels = await panel_history(live, r.id)
        for draw, panel in enumerate(panels, start=1):
            for m in panel.members:
                member_rows.append([r.id, panel.id, draw, m.subject.kind, m.subject.id, m.subject.name,
                                    m.probability, "是" if m.leader else "", m.out_of_pool_reason,
                                    invited.get((panel.id, m.subject.kind, m.subject.id), ""), panel.seed,
                                    panel.candidates_hash])
        # issue 17: the draw's exclusions once per request (replacements draw from the same frozen list), every
        # row, read from the exclusion table a batch at a time
        async for e in all_exclusions(r.id):
            exclusion_rows.append([r.id, panels[0].id, 1, e["kind"], e["id"], live.graph.name((e["kind"], e["id"])),
                                   STAGES.get(e["stage"], e["stage"]), "、".join(x["rule_id"] for x in e["reasons"]),
                                   "；".join(x["message"] for x in e["reasons"])])
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "抽取申请"
    _sheet_rows(sheet, ["申请编号", "用途", "方式", "人数", "最少人数", "移交材料日", "截止日", "申请人", "状态"],
                request_rows)
    _sheet_rows(workbook.create_sheet("成员"), MEMBER_HEADER, member_rows)
    _sheet_rows(workbook.create_sheet("排除"), EXCLUSION_HEADER, exclusion_rows)
    return _bytes(workbook)


async def reviews_workbook(year: int | None, status: str | None, proposal: str | None) -> bytes:
    """The annual review results (R-POOL-6): figures, proposal with its reasons, the office's decision."""
    names = {r["id"]: r["name"] for r in await Expert.select(Expert.id, Expert.name)}
    rows: list[list[Any]] = []
    offset = 0
    while offset < MAX_EXPORT_ROWS:
        page = await annual_reviews(year, status, proposal, None, offset, EXPORT_PAGE)
        for v in page.items:
            rows.append([v.id, v.year, v.expert_id, names.get(v.expert_id, ""), v.review_date,
                         "；".join(f"{k}：{value}" for k, value in v.figures.items()), v.proposal_label,
                         "；".join(f"{x.message}（{x.rule_id}）" for x in v.reasons),
                         "已决定" if v.status == "decided" else "待决定", v.decision or "", v.decision_note,
                         v.decided_on])
        offset += EXPORT_PAGE
        if offset >= page.total:
            break
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "年度考核"
    _sheet_rows(sheet, REVIEW_HEADER, rows)
    return _bytes(workbook)
