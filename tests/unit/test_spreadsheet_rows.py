"""An office's spreadsheet rows in the registry's terms (issue 16): headers by name or alias, cells as text,
labels to codes, specialties within their sub-pool (R-POOL-1), terms asked for (R-POOL-4), CSV encodings. Pure."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import Workbook

from spreadsheets.domain.rows import (
    EXPERT_COLUMNS,
    INSTITUTION_COLUMNS,
    FileProblem,
    Vocabulary,
    cell_text,
    expert_row,
    header_of,
    institution_row,
    is_blank,
    map_headers,
    parse_day,
    row_cells,
    split_list,
)
from spreadsheets.reading import decode_csv, read_rows

VOCABULARY = Vocabulary(
    specialties={"LAW": "法律", "LAW.ADMIN": "行政法", "LAW.CIVIL": "民商法", "ECON": "经济", "ECON.FINANCE": "金融"},
    parents={"LAW": None, "LAW.ADMIN": "LAW", "LAW.CIVIL": "LAW", "ECON": None, "ECON.FINANCE": "ECON"},
    genders={"男": "male", "女": "female", "male": "male", "female": "female"},
    sectors={"高校及科研院所": "academia", "企业": "enterprise", "academia": "academia", "enterprise": "enterprise"},
)
TODAY = date(2026, 11, 24)


def cells(**overrides: str) -> dict[str, str]:
    base = {"name": "李明", "gender": "男", "id_number": "11010519491231002X", "phone": "13800000001",
            "sector": "高校及科研院所", "specialties": "行政法"}
    base.update(overrides)
    return base


def test_headers_by_name_or_alias_with_spaces_and_asterisks_ignored():
    headers = map_headers(["序号", "*姓名", "性 别", "身份证号码", "手机号码", "界别", "备注"], EXPERT_COLUMNS)
    assert {i: c.key for i, c in headers.items()} == {1: "name", 2: "gender", 3: "id_number", 4: "phone", 5: "sector"}


def test_a_required_header_missing_refuses_the_file():
    with pytest.raises(FileProblem) as problem:
        map_headers(["姓名", "手机"], EXPERT_COLUMNS)
    assert "性别" in problem.value.reason and "身份证号" in problem.value.reason


def test_cells_as_text_numbers_dates_and_blanks():
    assert cell_text(13800000001.0) == "13800000001"
    assert cell_text(datetime(2026, 1, 1)) == "2026-01-01"
    assert cell_text(date(2026, 1, 2)) == "2026-01-02"
    assert cell_text("  张三 ") == "张三" and cell_text(None) == ""
    assert cell_text(1.1010519491231e17) != "110105194912310000"  # a rounded ID is not passed off as digits
    assert is_blank([None, "", "  "]) and not is_blank([None, "x"])
    headers = map_headers(["姓名", "性别", "身份证号", "手机", "来源类别"], EXPERT_COLUMNS)
    assert row_cells(["张三", "男"], headers)["phone"] == ""


def test_labels_become_codes_and_the_body_is_the_registrys():
    row = expert_row(cells(specialties="民商法、LAW.ADMIN", employer_name="浙江大学", employment_start="2020/3/1",
                           position="教授"), VOCABULARY, TODAY)
    assert row.problems == []
    assert row.body["gender"] == "male" and row.body["sector"] == "academia"
    assert row.body["specialties"] == ["LAW.CIVIL", "LAW.ADMIN"]
    assert row.body["employments"] == [{"employer_name": "浙江大学", "start": "2020-03-01", "position": "教授"}]
    assert row.term is None


def test_an_employer_without_a_start_starts_on_the_day_of_import():
    row = expert_row(cells(employer_name="浙江大学"), VOCABULARY, TODAY)
    assert row.body["employments"][0]["start"] == "2026-11-24"


def test_unknown_specialty_names_its_column_R_POOL_1():
    row = expert_row(cells(specialties="天文学"), VOCABULARY, TODAY)
    assert [(p.column, p.rule_id) for p in row.problems] == [("专业", "R-POOL-1")]
    assert "天文学" in row.problems[0].reason


def test_a_specialty_outside_the_named_sub_pool_is_refused_R_POOL_1():
    row = expert_row(cells(specialties="金融", sub_pool="法律"), VOCABULARY, TODAY)
    assert [(p.column, p.rule_id) for p in row.problems] == [("专业", "R-POOL-1")]
    not_top = expert_row(cells(sub_pool="行政法"), VOCABULARY, TODAY)
    assert [p.column for p in not_top.problems] == ["所属子库"]


def test_a_sub_pool_alone_is_the_specialty_R_POOL_1():
    row = expert_row(cells(specialties="", sub_pool="经济"), VOCABULARY, TODAY)
    assert row.problems == [] and row.body["specialties"] == ["ECON"]


def test_unknown_gender_and_sector_labels_name_their_columns():
    row = expert_row(cells(gender="未知", sector="外星人"), VOCABULARY, TODAY)
    assert [p.column for p in row.problems] == ["性别", "来源类别"]


def test_a_term_needs_both_dates_R_POOL_4():
    assert expert_row(cells(term_start="2026-01-01", term_end="2028-12-31", certificate_no="A1"), VOCABULARY,
                      TODAY).term == (date(2026, 1, 1), date(2028, 12, 31), "A1")
    half = expert_row(cells(term_start="2026-01-01"), VOCABULARY, TODAY)
    assert [(p.column, p.rule_id) for p in half.problems] == [("聘期结束", "R-POOL-4")]
    bad = expert_row(cells(term_start="明年", term_end="2028-12-31"), VOCABULARY, TODAY)
    assert [p.column for p in bad.problems] == ["聘期开始"]


@pytest.mark.parametrize("text, day", [("2026-01-01", date(2026, 1, 1)), ("2026/1/2", date(2026, 1, 2)),
                                       ("2026.1.3", date(2026, 1, 3)), ("2026年1月4日", date(2026, 1, 4)),
                                       ("", None)])
def test_days_as_offices_write_them(text, day):
    assert parse_day(text) == day


@pytest.mark.parametrize("text", ["2026-02-30", "一月", "2026"])
def test_not_a_day_says_so(text):
    with pytest.raises(ValueError):
        parse_day(text)


def test_lists_split_on_chinese_and_latin_separators():
    assert split_list("行政法、民商法，金融;LAW / ECON") == ["行政法", "民商法", "金融", "LAW", "ECON"]


def test_registry_fields_are_named_by_the_templates_headers():
    assert header_of("expert", "id_number") == "身份证号"
    assert header_of("expert", "specialties[1]") == "专业"
    assert header_of("expert", "employments[0].start") == "任职起始日期"
    assert header_of("expert", "end") == "聘期结束"
    assert header_of("institution", "uscc") == "统一社会信用代码"


def test_institution_kind_labels():
    kinds = {"咨询机构": "consultancy", "consultancy": "consultancy"}
    assert institution_row({"name": "之江评估中心", "kind": "咨询机构"}, kinds).problems == []
    assert [p.column for p in institution_row({"name": "x", "kind": "外星机构"}, kinds).problems] == ["机构类型"]
    assert map_headers(["名称", "类型"], INSTITUTION_COLUMNS)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_utf8_with_or_without_bom_or_gb18030(encoding):
    text = "姓名,性别\n諸葛亮,男\n欧阳娜娜,女\n"
    assert decode_csv(text.encode(encoding)) == text
    assert read_rows("a.csv", text.encode(encoding))[1] == ["諸葛亮", "男"]


def test_xlsx_read_with_calamine():
    workbook = Workbook()
    workbook.active.append(["姓名", "身份证号"])
    workbook.active.append(["张三", "11010519491231002X"])
    out = io.BytesIO()
    workbook.save(out)
    assert read_rows("a.xlsx", out.getvalue()) == [["姓名", "身份证号"], ["张三", "11010519491231002X"]]


@pytest.mark.parametrize("filename, content, reason", [
    ("a.csv", b"", "空"), ("a.exe", b"MZ", "只接受"), ("a.xlsx", b"PK\x03\x04broken", "无法读取"),
])
def test_unreadable_files_say_why(filename, content, reason):
    with pytest.raises(FileProblem) as problem:
        read_rows(filename, content)
    assert reason in problem.value.reason
