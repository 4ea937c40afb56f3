"""Material hand-over rules (issue 14): type by extension and first bytes, size (R-PANEL-4); who reads the
material (R-PANEL-6, R-DUTY-1, R-DUTY-2)."""

from __future__ import annotations

import pytest

from assignment.domain.procedure import (
    MAX_MATERIAL_BYTES,
    MemberStanding,
    Reader,
    check_may_read,
    check_opinion_text,
    material_type,
)
from core.errors import Forbidden, RuleViolation

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"


@pytest.mark.parametrize(("name", "content", "media"), [
    ("方案.pdf", PDF, "application/pdf"),
    ("说明.DOCX", b"PK\x03\x04rest", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("数据.xlsx", b"PK\x03\x04rest", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("图.png", b"\x89PNG\r\n\x1a\nrest", "image/png"),
    ("照片.jpg", b"\xff\xd8\xff\xe0rest", "image/jpeg"),
    ("纪要.txt", "第一行\n第二行\t完".encode(), "text/plain; charset=utf-8"),
])
def test_accepted_types_by_extension_and_magic_bytes_R_PANEL_4(name, content, media):
    assert material_type(name, content) == media


@pytest.mark.parametrize(("name", "content", "field", "says"), [
    ("病毒.exe", b"MZ\x90\x00", "filename", "不支持的文件类型"),
    ("无扩展名", PDF, "filename", "无扩展名"),
    ("伪装.pdf", b"MZ\x90\x00", "content", "不符"),
    ("伪装.docx", PDF, "content", "不符"),
    ("乱码.txt", b"\xff\xfe\x00", "content", "UTF-8"),
    ("控制.txt", b"abc\x00def", "content", "控制字符"),
    ("空.pdf", b"", "content", "为空"),
])
def test_wrong_type_or_content_is_refused_R_PANEL_4(name, content, field, says):
    with pytest.raises(RuleViolation) as refused:
        material_type(name, content)
    error = refused.value.errors[0]
    assert error.field == field and says in error.reason and error.rule_id == "R-PANEL-4"


def test_file_over_20_mb_is_refused_R_PANEL_4():
    assert material_type("大.pdf", PDF + b"0" * (MAX_MATERIAL_BYTES - len(PDF))) == "application/pdf"
    with pytest.raises(RuleViolation) as refused:
        material_type("大.pdf", PDF + b"0" * MAX_MATERIAL_BYTES)
    assert "20 MB" in refused.value.errors[0].reason


def test_office_and_owning_unit_read_other_units_do_not_R_PANEL_6():
    check_may_read(Reader("office"), 7, None)
    check_may_read(Reader("unit", unit_id=7), 7, None)
    with pytest.raises(Forbidden):
        check_may_read(Reader("unit", unit_id=8), 7, None)
    with pytest.raises(Forbidden):
        check_may_read(Reader("auditor"), 7, None)


def test_the_commissioned_organiser_reads_its_items_material_only_R_PANEL_8():
    check_may_read(Reader("organiser", item_id=11), 7, None, request_item=11)
    with pytest.raises(Forbidden):
        check_may_read(Reader("organiser", item_id=12), 7, None, request_item=11)
    with pytest.raises(Forbidden):
        check_may_read(Reader("organiser"), 7, None, request_item=11)  # an account bound to no commission


def test_member_reads_only_after_accepting_with_a_signed_letter_R_DUTY_1_R_DUTY_2():
    check_may_read(Reader("expert", expert_id=3), 7, MemberStanding(accepted=True, signed_letter_for_current_term=True))
    with pytest.raises(Forbidden) as not_accepted:
        check_may_read(Reader("expert", expert_id=3), 7, MemberStanding(False, True))
    assert "已接受邀请" in not_accepted.value.errors[0].reason
    with pytest.raises(Forbidden) as unsigned:
        check_may_read(Reader("expert", expert_id=3), 7, MemberStanding(True, False))
    assert "承诺书" in unsigned.value.errors[0].reason
    with pytest.raises(Forbidden):  # never invited to this request
        check_may_read(Reader("expert", expert_id=4), 7, None)


def test_opinion_text_needs_the_invited_experts_own_signature_R_DUTY_2():
    check_opinion_text(True, "expert", 3, 3)
    with pytest.raises(RuleViolation) as unsigned:
        check_opinion_text(False, "expert", 3, 3)
    assert unsigned.value.errors[0].field == "signed" and unsigned.value.errors[0].rule_id == "R-DUTY-2"
    for role, caller in (("expert", 4), ("office", None), ("unit", None)):
        with pytest.raises(Forbidden):
            check_opinion_text(True, role, caller, 3)
