"""Rows of an office's spreadsheet (issue 16), pure: which header is which field, a cell's text, a row turned
into the registry's request body, and a field of that body named back by its Chinese header for the report.

The checks themselves are the registry's (the same as the API's): this module only translates the office's
layout (姓名, 性别, 身份证号, 手机, 工作单位, 职称, 专业, 所属子库 ...) into the body and the labels into codes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

MAX_FILE_BYTES = 20 * 1024 * 1024  # an upload, decoded
MAX_ROWS = 100_000  # data rows of one file
MAX_CELL_CHARS = 1000  # longer cells are cut (the registry's own bounds are smaller and refuse them)


@dataclass(frozen=True)
class Column:
    header: str  # the header of the template (and of the report)
    key: str  # the field it fills
    required: bool = False
    aliases: tuple[str, ...] = ()
    hint: str = ""  # shown in the template's second line


EXPERT_COLUMNS: tuple[Column, ...] = (
    Column("姓名", "name", True, ("专家姓名",)),
    Column("性别", "gender", True, (), "男 / 女"),
    Column("身份证号", "id_number", True, ("身份证号码", "公民身份号码", "身份证"), "18 位，文本格式"),
    Column("手机", "phone", True, ("手机号", "手机号码", "移动电话", "联系电话"), "11 位，文本格式"),
    Column("电子邮箱", "email", False, ("邮箱", "电子邮件", "Email")),
    Column("工作单位", "employer_name", False, ("单位", "现工作单位")),
    Column("任职起始日期", "employment_start", False, ("入职日期", "任职时间"), "如 2020-01-01；空则为导入当天"),
    Column("职务", "position"),
    Column("职称", "title", False, ("专业技术职称",)),
    Column("专业", "specialties", False, ("专业领域", "专业方向"), "专业名称或代码，多个用、分隔"),
    Column("所属子库", "sub_pool", False, ("子库", "专业分库"), "顶层专业；专业为空时即为该子库"),
    Column("来源类别", "sector", True, ("界别", "类别", "来源"), "高校及科研院所 / 企业 / ..."),
    Column("地区", "region", False, ("所在地区",)),
    Column("聘期开始", "term_start", False, ("聘期起",), "如 2026-01-01"),
    Column("聘期结束", "term_end", False, ("聘期止",), "最长 3 年"),
    Column("聘书编号", "certificate_no"),
)

INSTITUTION_COLUMNS: tuple[Column, ...] = (
    Column("机构名称", "name", True, ("名称", "单位名称")),
    Column("机构类型", "kind", True, ("类型",), "高等院校 / 科研院所 / ..."),
    Column("统一社会信用代码", "credit_code", False, ("信用代码",), "18 位，文本格式"),
    Column("别名", "aliases", False, ("曾用名",), "多个用、分隔"),
    Column("地区", "region"),
)

RELATION_COLUMNS: tuple[Column, ...] = (
    Column("关系类型", "kind", True, ("关系",)),
    Column("起点类型", "source_kind", True, (), "专家 / 机构"),
    Column("起点编号", "source_id", True),
    Column("终点类型", "target_kind", True, (), "专家 / 机构"),
    Column("终点编号", "target_id", True),
    Column("开始日期", "start"),
    Column("结束日期", "end"),
    Column("说明", "note", False, ("备注",)),
)

LIST_SEPARATORS = re.compile(r"[、，,；;/|\s]+")


class FileProblem(ValueError):
    """The file as a whole cannot be read (no header, a required column missing, too many rows)."""

    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


def _header_key(text: str) -> str:
    return re.sub(r"[\s*＊（）()：:]+", "", text).lower()


def map_headers(header_row: list[Any], columns: tuple[Column, ...]) -> dict[int, Column]:
    """Which position holds which column: by the template's header or one of its aliases (spaces, asterisks
    and brackets ignored). A required column missing refuses the file; unknown columns are left aside."""
    lookup: dict[str, Column] = {}
    for column in columns:
        for name in (column.header, *column.aliases):
            lookup[_header_key(name)] = column
    found: dict[int, Column] = {}
    for position, cell in enumerate(header_row):
        known = lookup.get(_header_key(cell_text(cell)))
        if known is not None and known not in found.values():
            found[position] = known
    missing = [c.header for c in columns if c.required and c not in found.values()]
    if missing:
        raise FileProblem(missing[0], f"缺少必填列：{'、'.join(missing)}（第一行须为表头）")
    return found


def cell_text(value: Any) -> str:
    """A cell as text: numbers without a trailing .0, dates as YYYY-MM-DD, surrounding space removed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()[:MAX_CELL_CHARS]


def row_cells(row: list[Any], headers: dict[int, Column]) -> dict[str, str]:
    return {column.key: cell_text(row[i]) if i < len(row) else "" for i, column in headers.items()}


def is_blank(row: list[Any]) -> bool:
    return all(cell_text(v) == "" for v in row)


@dataclass(frozen=True)
class CellProblem:
    column: str  # the Chinese header
    reason: str
    rule_id: str | None = None


@dataclass(frozen=True)
class Vocabulary:
    """The labels an office writes, to the codes the registry takes."""

    specialties: dict[str, str]  # code -> name
    parents: dict[str, str | None]  # code -> parent code
    genders: dict[str, str] = field(default_factory=dict)  # label or value -> value
    sectors: dict[str, str] = field(default_factory=dict)

    def specialty_code(self, text: str) -> str | None:
        if text in self.specialties:
            return text
        if text.upper() in self.specialties:
            return text.upper()
        for code, name in self.specialties.items():
            if name == text:
                return code
        return None

    def sub_pool_of(self, code: str) -> str:
        seen: set[str] = set()
        while (parent := self.parents.get(code)) and code not in seen:
            seen.add(code)
            code = parent
        return code


def parse_day(text: str) -> date | None:
    """2026-01-01, 2026/1/1, 2026.1.1, 2026年1月1日; ``ValueError`` otherwise."""
    if not text:
        return None
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T].*)?", text)
    if not match:
        raise ValueError(f"“{text}”不是日期，应如 2026-01-01")
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise ValueError(f"“{text}”不是有效日期") from None


def split_list(text: str) -> list[str]:
    return [part for part in LIST_SEPARATORS.split(text) if part]


@dataclass
class ExpertRow:
    """A row as the registry's expert body (``body``), the term asked for, and what was wrong in the cells."""

    body: dict[str, Any]
    term: tuple[date, date, str] | None
    problems: list[CellProblem]


def expert_row(cells: dict[str, str], vocabulary: Vocabulary, today: date) -> ExpertRow:
    """The office's row in the registry's terms. A label that names nothing known is a problem of its column;
    everything else (ID number, phone, lengths, dates, specialties) is left to the registry's own checks."""
    problems: list[CellProblem] = []
    body: dict[str, Any] = {"name": cells.get("name", ""), "id_number": cells.get("id_number", ""),
                            "phone": cells.get("phone", ""), "email": cells.get("email", ""),
                            "title": cells.get("title", ""), "region": cells.get("region", "")}
    gender = cells.get("gender", "")
    body["gender"] = vocabulary.genders.get(gender, gender)
    if gender and gender not in vocabulary.genders:
        problems.append(CellProblem("性别", f"“{gender}”不是可选的性别（男 / 女）"))
    sector = cells.get("sector", "")
    body["sector"] = vocabulary.sectors.get(sector, sector)
    if sector and sector not in vocabulary.sectors:
        choices = "、".join(_labels(vocabulary.sectors))
        problems.append(CellProblem("来源类别", f"“{sector}”不是可选的来源类别（{choices}）", "R-PANEL-2"))
    codes: list[str] = []
    for text in split_list(cells.get("specialties", "")):
        code = vocabulary.specialty_code(text)
        if code is None:
            problems.append(CellProblem("专业", f"“{text}”不在专业分类中", "R-POOL-1"))
        else:
            codes.append(code)
    pool_text = cells.get("sub_pool", "")
    if pool_text:
        pool = vocabulary.specialty_code(pool_text)
        if pool is None or vocabulary.parents.get(pool):
            problems.append(CellProblem("所属子库", f"“{pool_text}”不是专业分库（顶层专业）", "R-POOL-1"))
        elif not codes:
            codes = [pool]
        else:
            for code in codes:
                if vocabulary.sub_pool_of(code) != pool:
                    problems.append(CellProblem("专业", f"“{vocabulary.specialties[code]}”不属于子库“{pool_text}”",
                                                "R-POOL-1"))
    body["specialties"] = codes
    employer = cells.get("employer_name", "")
    if employer:
        try:
            start = parse_day(cells.get("employment_start", "")) or today
        except ValueError as exc:
            problems.append(CellProblem("任职起始日期", str(exc)))
            start = today
        body["employments"] = [{"employer_name": employer, "start": start.isoformat(),
                                "position": cells.get("position", "")}]
    term = None
    start_text, end_text = cells.get("term_start", ""), cells.get("term_end", "")
    if start_text or end_text:
        try:
            term_start, term_end = parse_day(start_text), parse_day(end_text)
            if term_start is None or term_end is None:
                missing = "聘期开始" if term_start is None else "聘期结束"
                problems.append(CellProblem(missing, "聘期须同时填写开始和结束日期", "R-POOL-4"))
            else:
                term = (term_start, term_end, cells.get("certificate_no", ""))
        except ValueError as exc:
            problems.append(CellProblem("聘期开始" if start_text and _bad_day(start_text) else "聘期结束", str(exc)))
    return ExpertRow(body, term, problems)


def _bad_day(text: str) -> bool:
    try:
        parse_day(text)
    except ValueError:
        return True
    return False


def _labels(mapping: dict[str, str]) -> list[str]:
    return [label for label in mapping if re.search(r"[\u4e00-\u9fff]", label)]


# The registry's field names (its errors' ``field``) named by the template's headers.
_EXPERT_FIELDS = {"name": "姓名", "gender": "性别", "id_number": "身份证号", "phone": "手机", "email": "电子邮箱",
                  "title": "职称", "region": "地区", "sector": "来源类别", "specialties": "专业",
                  "employer_name": "工作单位", "position": "职务", "start": "聘期开始", "end": "聘期结束",
                  "certificate_no": "聘书编号"}
_INSTITUTION_FIELDS = {"name": "机构名称", "kind": "机构类型", "credit_code": "统一社会信用代码",
                       "uscc": "统一社会信用代码", "aliases": "别名", "region": "地区"}
_RELATION_FIELDS = {"kind": "关系类型", "source": "起点编号", "target": "终点编号", "source.kind": "起点类型",
                    "target.kind": "终点类型", "source.id": "起点编号", "target.id": "终点编号", "start": "开始日期",
                    "end": "结束日期", "detail": "说明", "role": "关系类型"}
FIELD_HEADERS = {"expert": _EXPERT_FIELDS, "institution": _INSTITUTION_FIELDS, "relation": _RELATION_FIELDS}


def header_of(kind: str, field_name: str) -> str:
    """``employments[0].start`` → 任职起始日期, ``specialties[1]`` → 专业, ``id_number`` → 身份证号."""
    name = field_name.removeprefix("$.").removeprefix("data.")
    if name.startswith("employments"):
        tail = name.rsplit(".", 1)[-1]
        return {"start": "任职起始日期", "position": "职务", "end": "任职起始日期"}.get(tail, "工作单位")
    fields = FIELD_HEADERS[kind]
    if name in fields:
        return fields[name]
    base = re.sub(r"\[\d+\]", "", name)
    return fields.get(base, fields.get(base.split(".")[0], name))


def normalised_id(text: str) -> str:
    """The ID number as compared between rows of one file (the registry's own check says if it is valid)."""
    return text.strip().upper()


@dataclass(frozen=True)
class InstitutionRow:
    body: dict[str, Any]
    problems: list[CellProblem]


def institution_row(cells: dict[str, str], kinds: dict[str, str]) -> InstitutionRow:
    problems = []
    kind = cells.get("kind", "")
    if kind and kind not in kinds:
        problems.append(CellProblem("机构类型", f"“{kind}”不是可选的机构类型（{'、'.join(_labels(kinds))}）"))
    body: dict[str, Any] = {"name": cells.get("name", ""), "kind": kinds.get(kind, kind),
                            "credit_code": cells.get("credit_code", "").upper(),
                            "aliases": split_list(cells.get("aliases", "")), "region": cells.get("region", "")}
    return InstitutionRow(body, problems)


SUBJECT_KINDS = {"专家": "expert", "expert": "expert", "机构": "institution", "institution": "institution",
                 "人员": "person", "person": "person", "事项": "item", "决策事项": "item", "item": "item"}


def relation_row(cells: dict[str, str], kinds: dict[str, str]) -> InstitutionRow:
    problems = []
    kind = cells.get("kind", "")
    if kind and kind not in kinds:
        problems.append(CellProblem("关系类型", f"“{kind}”不是冲突规则中的关系类型", "R-COI-1"))
    body: dict[str, Any] = {"kind": kinds.get(kind, kind)}
    for end, header in (("source", "起点"), ("target", "终点")):
        subject_kind = SUBJECT_KINDS.get(cells.get(f"{end}_kind", ""))
        if subject_kind is None:
            written = cells.get(f"{end}_kind", "")
            problems.append(CellProblem(f"{header}类型", f"“{written}”须为 专家、机构、人员 或 事项"))
        number = cells.get(f"{end}_id", "")
        if not number.isdigit():
            problems.append(CellProblem(f"{header}编号", f"“{number}”不是记录编号（正整数）"))
        body[end] = {"kind": subject_kind or "", "id": int(number) if number.isdigit() else 0}
    for key, header in (("start", "开始日期"), ("end", "结束日期")):
        try:
            day = parse_day(cells.get(key, ""))
            if day is not None:
                body[key] = day.isoformat()
        except ValueError as exc:
            problems.append(CellProblem(header, str(exc)))
    if cells.get("note"):
        body["detail"] = cells["note"]
    return InstitutionRow(body, problems)
