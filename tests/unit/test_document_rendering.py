"""Pure parts of the printable documents (issue 16): Chinese dates, the download header (RFC 5987),
certificate numbers (R-POOL-4), exclusions counted by stage and the constraints as sentences (R-PANEL-2)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from urllib.parse import unquote

from documents.formatting import (
    certificate_number,
    cn_date,
    cn_datetime,
    cn_stored_time,
    constraint_lines,
    content_disposition,
    percent,
    stage_counts,
)
from documents.rendering import render_html


def test_chinese_dates_in_beijing_time():
    assert cn_date(date(2026, 1, 5)) == "2026年1月5日"
    assert cn_date(None) == ""
    late_utc = datetime(2026, 11, 24, 17, 30, tzinfo=timezone.utc)  # already the 25th in Beijing
    assert cn_date(late_utc) == "2026年11月25日"
    assert cn_datetime(late_utc) == "2026年11月25日 01:30（北京时间）"
    assert cn_stored_time("2026-11-24T17:30:00+00:00") == "2026年11月25日 01:30（北京时间）"
    assert cn_stored_time("2026-11-20") == "2026年11月20日" and cn_stored_time("未知") == "未知"


def test_content_disposition_carries_the_chinese_name_and_an_ascii_fallback():
    header = content_disposition("聘书-欧阳明远-聘字3.pdf", "certificate-1-2.pdf")
    assert header.startswith('attachment; filename="certificate-1-2.pdf"; ')
    encoded = header.split("filename*=UTF-8''", 1)[1]
    assert encoded.isascii() and " " not in encoded and unquote(encoded) == "聘书-欧阳明远-聘字3.pdf"
    assert 'filename="document.pdf"' in content_disposition("报告.pdf", "报告.pdf")  # nothing ASCII left


def test_certificate_number_is_the_recorded_one_else_derived_from_the_term_R_POOL_4():
    assert certificate_number("聘字2026-001", 12, date(2026, 1, 1)) == "聘字2026-001"
    assert certificate_number("  ", 12, date(2026, 1, 1)) == "专家聘字〔2026〕第000012号"
    assert certificate_number("", 13, date(2026, 1, 1)) != certificate_number("", 12, date(2026, 1, 1))


def test_exclusions_counted_by_stage_in_the_draws_order_R_PANEL_2():
    counted = stage_counts(["conflict", "registry", "conflict", "workload", "later_stage"])
    assert [(stage, count) for stage, _, count in counted] == [
        ("registry", 1), ("conflict", 2), ("workload", 1), ("later_stage", 1)]
    assert counted[1][1] == "存在利害关系，须回避" and stage_counts([]) == []


def test_constraints_as_sentences_R_PANEL_2():
    lines = constraint_lines({"size": 5, "min_per_specialty": {"LAW": 2}, "max_per_employer": 1,
                              "max_per_sector": 3, "max_per_region": {"杭州市": 2}, "dissenting": [7]},
                             {"LAW": "法律"})
    assert lines == ["组成人数：5 名", "专业“法律”（LAW）至少 2 名", "同一工作单位至多 1 名", "同一界别至多 3 名",
                     "地区“杭州市”至多 2 名", "已知持不同意见者（编号 7）中至少 1 名（如有符合条件者）"]
    assert percent(0.5) == "50.00%" and percent(None) == "—"


def test_templates_escape_what_people_typed():
    html = render_html("base.html", {})
    assert "Noto Serif CJK SC" in html and "size: A4" in html and "counter(pages)" in html
    from documents.rendering import _environment
    rendered = _environment.from_string("{{ name }}").render(name="<script>张三</script>")
    assert rendered == "&lt;script&gt;张三&lt;/script&gt;"
