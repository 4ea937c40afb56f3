"""Commitment letters (专家承诺书), NMG-E art.11 (R-DUTY-1)."""

from __future__ import annotations

from datetime import date

from core.errors import ErrorCollector, invalid
from registry.domain.refusals import duplicate
from registry.domain.vocab import LabelledEnum


class Commitment(LabelledEnum):
    """The four commitments every letter holds, NMG-E art.11."""

    INDEPENDENT = "independent", "独立参与论证"
    IMPARTIAL = "impartial", "客观、公正、中立地提出论证意见"
    CONFIDENTIAL = "confidential", "对论证过程、论证事项和论证意见保密"
    LAWFUL = "lawful", "遵守法律法规和本办法的规定"


# Text versions the office has issued; a letter names the version the expert signed.
LETTER_TEXTS: dict[str, str] = {
    "NMG-E-2020": (
        "本人自愿作为重大行政决策论证专家，郑重承诺：\n"
        "一、独立参与论证，不受任何单位和个人干预；\n"
        "二、客观、公正、中立地提出论证意见，并对论证意见负责；\n"
        "三、对论证过程、论证事项和论证意见严格保密；\n"
        "四、遵守法律法规和《重大行政决策专家论证办法》的规定。"
    ),
}


def validate_letter(text_version: str, commitments: dict[str, bool]) -> None:
    """A letter must use a known text and affirm all four commitments; anything else is refused."""
    errors = ErrorCollector()
    if text_version not in LETTER_TEXTS:
        errors.add("text_version", f"未知的承诺书文本版本；现有版本：{'、'.join(LETTER_TEXTS)}", "R-DUTY-1")
    known = {c.value for c in Commitment}
    for name in sorted(set(commitments) - known):
        errors.add(f"commitments.{name}", "不是《专家论证办法》第十一条规定的四项承诺之一", "R-DUTY-1")
    for c in Commitment:
        if commitments.get(c.value) is not True:
            errors.add(f"commitments.{c.value}", f"须作出承诺：{c.label}", "R-DUTY-1")
    errors.raise_if_any("承诺书不符合要求")


def check_letter_for_term(term_end: date, signed_on: date, already_signed: bool) -> None:
    """One letter per term, signed before the term ends (R-DUTY-1)."""
    if signed_on > term_end:
        raise invalid("signed_on", f"签署日期晚于聘期届满日（{term_end}）", "R-DUTY-1")
    if already_signed:
        raise duplicate("承诺书已签署", "term_id", "本聘期已签署专家承诺书", "R-DUTY-1")
