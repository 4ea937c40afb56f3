"""Pure helpers for printable documents: Chinese dates, the download header, certificate numbers, the labels
a filed paper shows. No HTTP, no database."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta, timezone
from urllib.parse import quote

BEIJING = timezone(timedelta(hours=8), "北京时间")

# The stages a candidate leaves the draw at (the same wording as the reference vocabulary "exclusion_stages").
STAGE_LABELS = {"registry": "不符合库内资格（未在聘期、已解聘或失信等）", "conflict": "存在利害关系，须回避",
                "possible_conflict": "可能存在利害关系，待核实", "workload": "论证任务已达上限"}
SUBJECT_KINDS = {"expert": "专家", "institution": "第三方评估机构"}
CHECK_LABELS = {"candidates_hash": "候选名单指纹（candidates_hash）", "commitment": "随机种子承诺值（commitment）",
                "members": "按记录重新抽取，成员一致（members）", "probabilities": "入选概率一致（probabilities）",
                "chain": "替补记录衔接前一记录（chain）", "universe": "抽取范围与请求记载的专业分库一致（universe）",
                "exclusions": "排除名单与抽取时记录一致（exclusions）"}


def cn_date(day: date | datetime | None) -> str:
    """2026年1月5日 (a date-time is first taken to Beijing time); an empty string for none."""
    if day is None:
        return ""
    if isinstance(day, datetime):
        day = (day.astimezone(BEIJING) if day.tzinfo else day).date()
    return f"{day.year}年{day.month}月{day.day}日"


def cn_datetime(moment: datetime | None) -> str:
    """2026年11月24日 17:00（北京时间）."""
    if moment is None:
        return ""
    local = moment.astimezone(BEIJING) if moment.tzinfo else moment
    return f"{cn_date(local.date())} {local:%H:%M}（北京时间）"


def cn_stored_time(value: object) -> str:
    """A time stored as ISO text (a report's content) in Beijing time; a date as a date; anything else as is."""
    if isinstance(value, datetime):
        return cn_datetime(value)
    if isinstance(value, date):
        return cn_date(value)
    text = "" if value is None else str(value)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return text
    return cn_date(parsed.date()) if len(text) == 10 else cn_datetime(parsed)


def content_disposition(filename: str, fallback: str) -> str:
    """An attachment with its Chinese file name (RFC 6266 / RFC 5987: ``filename*=UTF-8''…``) and an ASCII
    name for clients that read only ``filename``."""
    ascii_name = "".join(c for c in fallback if c.isascii() and (c.isalnum() or c in "._-"))
    if not any(c.isalnum() for c in ascii_name.rsplit(".", 1)[0]):
        ascii_name = "document.pdf"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def certificate_number(stored: str, term_id: int, start: date) -> str:
    """The number the appointment recorded (聘书编号), else one derived from the term: 专家聘字〔2026〕第000012号."""
    return stored.strip() or f"专家聘字〔{start.year}〕第{term_id:06d}号"


def percent(probability: float | None) -> str:
    """A chance of selection as a percentage with two decimals; a dash for none (out-of-pool members)."""
    return "—" if probability is None else f"{probability * 100:.2f}%"


def stage_counts(stages: Iterable[str]) -> list[tuple[str, str, int]]:
    """How many candidates each stage excluded, in the order the draw applies them: (stage, label, count)."""
    counted: dict[str, int] = {}
    for stage in stages:
        counted[stage] = counted.get(stage, 0) + 1
    order = [*STAGE_LABELS, *sorted(set(counted) - set(STAGE_LABELS))]
    return [(s, STAGE_LABELS.get(s, s), counted[s]) for s in order if s in counted]


def summary_stage_counts(by_stage: Mapping[str, int]) -> list[tuple[str, str, int]]:
    """The same as ``stage_counts`` from counts already made (a draw's exclusions summary, issue 17)."""
    order = [*STAGE_LABELS, *sorted(set(by_stage) - set(STAGE_LABELS))]
    return [(s, STAGE_LABELS.get(s, s), int(by_stage[s])) for s in order if by_stage.get(s)]


def constraint_lines(constraints: Mapping, specialty_names: Mapping[str, str]) -> list[str]:
    """The recorded balance constraints (R-PANEL-2) as sentences a reader of the file understands."""
    lines = [f"组成人数：{constraints.get('size')} 名"]
    if constraints.get("universe"):  # issue 17: the sub-pools the candidates were drawn from
        pools = "、".join(f"“{specialty_names.get(c, c)}”（{c}）" for c in constraints["universe"])
        lines.append(f"抽取范围：专业分库 {pools}（含其下级专业）")
    for code, count in (constraints.get("min_per_specialty") or {}).items():
        lines.append(f"专业“{specialty_names.get(code, code)}”（{code}）至少 {count} 名")
    if constraints.get("max_per_employer") is not None:
        lines.append(f"同一工作单位至多 {constraints['max_per_employer']} 名")
    if constraints.get("max_per_sector") is not None:
        lines.append(f"同一界别至多 {constraints['max_per_sector']} 名")
    for region, count in (constraints.get("max_per_region") or {}).items():
        lines.append(f"地区“{region}”至多 {count} 名")
    if constraints.get("dissenting"):
        ids = "、".join(str(i) for i in constraints["dissenting"])
        lines.append(f"已知持不同意见者（编号 {ids}）中至少 1 名（如有符合条件者）")
    return lines
