"""Printable documents (issue 16): the appointment certificate (聘书), the commitment letter as signed (专家承诺书)
and the panel selection record (专家抽取记录), as PDF/A with embedded Noto CJK fonts. Each test renders once,
reads the text back (pypdf), checks the fonts and keeps a PNG of the first page in tests/artifacts/."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from pypdf import PdfReader

from tests.api.test_conflicts_api import make_item, ref, relate
from tests.builders import appoint_expert, create_institution
from tests.support.app import add_account, login
from tests.support.panels import post_request

API = "/api/v1"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def read_pdf(response, name: str) -> str:
    """The PDF's text; asserts the answer is a PDF/A with embedded Noto CJK fonts and keeps a first-page PNG."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/pdf")
    content = response.content
    reader = PdfReader(io.BytesIO(content))
    fonts = set()
    for page in reader.pages:
        resources: Any = page["/Resources"]
        for font in resources["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert any("Noto-Serif-CJK-SC" in f for f in fonts), fonts  # embedded (a subset: ABCDEF+Noto-…)
    assert all("+" in f for f in fonts), fonts  # every font a subset, so the file stays small
    assert len(content) < 1_500_000
    xmp = reader.xmp_metadata
    assert xmp is not None and 'pdfaid:part="3"' in xmp.rdf_root.toxml()  # PDF/A-3b for filing
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"{name}.pdf").write_bytes(content)
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(ARTIFACTS / f"{name}.pdf"),
                        str(ARTIFACTS / name)], check=True, timeout=60)
        assert list(ARTIFACTS.glob(f"{name}*.png"))
    return "".join(page.extract_text() for page in reader.pages).replace("\n", "")


@pytest.fixture
def appointed(client):
    made = appoint_expert(client, name="欧阳明远", title="教授", specialties=["LAW.ADMIN"])
    add_account("ouyang", "expert", expert_id=made["expert_id"])
    other = appoint_expert(client, name="司马文静")
    add_account("sima", "expert", expert_id=other["expert_id"])
    return {**made, "other": other}


def test_certificate_names_expert_specialty_term_and_number_R_POOL_4(client, appointed):
    expert_id, term_id = appointed["expert_id"], appointed["term_id"]
    term = next(t for t in client.get(f"{API}/experts/{expert_id}").json()["terms"] if t["id"] == term_id)
    response = client.get(f"{API}/experts/{expert_id}/terms/{term_id}/certificate.pdf")
    text = read_pdf(response, "certificate")
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;") and f"filename*=UTF-8''{quote('聘书-欧阳明远')}" in disposition
    assert "聘书" in text and "欧阳明远" in text and "2026年1月1日" in text and "2028年12月31日" in text
    assert "专业领域为行政法" in text  # the specialty by its name
    assert "政策法规处" in text  # the office's name
    assert term["certificate_no"] and term["certificate_no"] in text


def test_certificate_is_the_experts_own_R_POOL_4(client, appointed):
    expert_id, term_id, other = appointed["expert_id"], appointed["term_id"], appointed["other"]
    login(client, "sima")
    refused = client.get(f"{API}/experts/{expert_id}/terms/{term_id}/certificate.pdf")
    assert refused.status_code == 403 and "只能对自己的记录" in refused.json()["detail"]
    # another expert's term under one's own id is as missing as a wrong id
    missing = client.get(f"{API}/experts/{other['expert_id']}/terms/{term_id}/certificate.pdf")
    assert missing.status_code == 404
    login(client, "ouyang")
    read_pdf(client.get(f"{API}/experts/{expert_id}/terms/{term_id}/certificate.pdf"), "certificate_own")


def test_commitment_letter_as_signed_with_four_commitments_R_DUTY_1(client, appointed):
    expert_id = appointed["expert_id"]
    letters = client.get(f"{API}/experts/{expert_id}/commitment-letters").json()["items"]
    letter_id = letters[0]["id"]
    login(client, "sima")
    assert client.get(f"{API}/experts/{expert_id}/commitment-letters/{letter_id}/letter.pdf").status_code == 403
    login(client, "ouyang")
    response = client.get(f"{API}/experts/{expert_id}/commitment-letters/{letter_id}/letter.pdf")
    text = read_pdf(response, "commitment_letter")
    assert "专家承诺书" in text and "欧阳明远" in text and "NMG-E-2020" in text
    for commitment in ("独立参与论证", "客观、公正、中立地提出论证意见", "对论证过程、论证事项和论证意见保密",
                       "遵守法律法规和本办法的规定"):
        assert commitment in text
    assert text.count("已承诺") == 4 and "未承诺" not in text
    assert "2026年1月1日" in text  # signed on
    other_letter = client.get(f"{API}/experts/{expert_id}/commitment-letters").json()["items"][0]["id"]
    assert client.get(f"{API}/experts/{expert_id}/commitment-letters/{other_letter + 999}/letter.pdf"
                      ).status_code == 404


def test_selection_record_for_filing_R_PANEL_2_R_PANEL_4_R_COI_1(client, pool):
    unit = create_institution(client, name="市交通运输局")
    other_unit = create_institution(client, name="市生态环境局")
    add_account("unit1", "unit", unit_id=unit["id"])
    add_account("unit2", "unit", unit_id=other_unit["id"])
    add_account("auditor", "auditor")
    add_account("expert1", "expert", expert_id=pool["experts"][0]["expert_id"])
    item = make_item(client, title="城市轨道交通票价调整方案", drafting_unit_id=unit["id"])
    conflicted = pool["experts"][9]["expert_id"]  # an economist: the lawyers' quota keeps its spare
    relate(client, "interest_in", ref("expert", {"id": conflicted}), ref("item", item), role="applicant")
    created = post_request(client, item)
    assert created.status_code == 201, created.text
    view = created.json()
    lawyers = {e["expert_id"] for e in pool["experts"] if e["spec"].startswith("LAW")}
    leaving = next(i for i in view["invitations"] if i["subject"]["id"] in lawyers)
    declined = client.post(f"{API}/invitations/{leaving['id']}/answer", json={"accept": False, "reason": "出差"})
    assert declined.status_code == 201, declined.text
    replacement_panel = declined.json()["panel"]
    assert replacement_panel is not None, declined.text
    path = f"{API}/panel-requests/{view['id']}/selection-record.pdf"
    for user in ("unit2", "expert1"):
        login(client, user)
        assert client.get(path).status_code == 403, user
    login(client, "unit1")
    assert client.get(path).status_code == 200
    login(client, "auditor")
    text = read_pdf(client.get(path), "selection_record")
    panel = view["panel"]
    assert "专家抽取记录" in text and "城市轨道交通票价调整方案" in text and "市交通运输局" in text
    assert panel["seed"] in text and panel["candidates_hash"] in text
    assert "R-COI-1" in text and "存在利害关系，须回避" in text  # the excluded expert and the rule
    # issue 17: the counts by stage and by rule id, then every exclusion row of a small pool with its rule ids
    assert "被排除 2 名" in text and "按规则编号：" in text and "R-COI-1 1 名" in text and "R-POOL-4" in text
    assert pool["outsider"]["name"] in text
    assert f"符合条件的候选专家 {panel['eligible']} 名" in text
    for member in panel["members"]:
        assert member["subject"]["name"] in text
    assert f"{panel['members'][0]['probability'] * 100:.2f}%" in text
    assert "2026年11月24日" in text and "个工作日" in text  # handover and the study time (R-PANEL-4)
    assert "谢绝邀请：出差" in text and str(replacement_panel["id"]) in text  # the replacement
    assert f"GET /api/v1/panels/{panel['id']}/verification" in text and "核验通过" in text
    assert "未通过" not in text.replace("未通过或无法核验", "")


def test_argument_report_as_stored_with_its_digest_R_PANEL_5_R_DUTY_2(client, pool):
    from tests.api.test_argument_report import make_argument, sign, url

    arg = make_argument(client, "individual")
    assert client.get(url(arg, "argument-report.pdf")).status_code == 404  # no report stored yet
    sign(client, arg, 0, "同意方案。")
    sign(client, arg, 1, "原则同意，建议分步实施。")
    sign(client, arg, 2, "不同意：测算依据不足。")
    issued = client.post(url(arg, "report"), headers=arg["unit1"])
    assert issued.status_code == 201, issued.text
    report = issued.json()
    assert client.get(url(arg, "argument-report.pdf"), headers=arg["unit2"]).status_code == 403
    assert client.get(url(arg, "argument-report.pdf"), headers=arg["logins"][0]).status_code == 403
    response = client.get(url(arg, "argument-report.pdf"), headers=arg["unit1"])
    assert quote("论证报告") in response.headers["content-disposition"]
    text = read_pdf(response, "argument_report")
    assert "论证报告" in text and report["sha256"] in text and "R-PANEL-5" in text
    assert "原则同意，建议分步实施。" in text and "不同意：测算依据不足。" in text
    for member in report["data"]["members"]:
        assert member["name"] in text
    assert "2026年11月24日 17:00（北京时间）" in text  # issued and signed (the service's clock), in Beijing time
    assert "T09:00:00" not in text  # no raw ISO times


def test_filing_package_of_an_item_with_its_draws_and_chain_check_R_REC_3_R_REC_1(client, pool):
    unit = create_institution(client, name="市交通运输局")
    other_unit = create_institution(client, name="市生态环境局")
    add_account("unit1", "unit", unit_id=unit["id"])
    add_account("unit2", "unit", unit_id=other_unit["id"])
    item = make_item(client, title="城市轨道交通票价调整方案", drafting_unit_id=unit["id"])
    created = post_request(client, item)
    assert created.status_code == 201, created.text
    panel = created.json()["panel"]
    path = f"{API}/items/{item['id']}/filing-package.pdf"
    login(client, "unit2")
    assert client.get(path).status_code == 403
    assert client.get(f"{API}/items/999999/filing-package.pdf").status_code in (403, 404)
    login(client, "unit1")
    response = client.get(path)
    assert quote("归档材料包") in response.headers["content-disposition"]
    text = read_pdf(response, "filing_package")
    assert "归档材料包" in text and "城市轨道交通票价调整方案" in text and "市交通运输局" in text
    assert panel["seed"] in text and panel["candidates_hash"] in text and "核验通过" in text
    assert "R-REC-1" in text and "尚未归档" in text and "状态 有效" in text
    for member in panel["members"]:
        assert member["subject"]["name"] in text
