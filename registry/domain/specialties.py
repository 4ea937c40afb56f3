"""The controlled specialty tree (专业分类) whose nodes are the expert sub-pools (专业分库). R-POOL-1."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from core.errors import ErrorCollector


@dataclass(frozen=True)
class Specialty:
    code: str
    name: str
    parent_code: str | None


# The default tree: top-level codes are the sub-pools; children refine them. Offices may add nodes.
DEFAULT_TREE: dict[tuple[str, str], dict[str, str]] = {
    ("LAW", "法律"): {"LAW.ADMIN": "行政法", "LAW.CIVIL": "民商法", "LAW.ECON": "经济法",
                     "LAW.LABOUR": "劳动和社会保障法", "LAW.PROC": "诉讼与仲裁"},
    ("ECON", "经济"): {"ECON.FISCAL": "财政税收", "ECON.FINANCE": "金融", "ECON.INDUSTRY": "产业经济",
                      "ECON.PRICE": "价格与收费"},
    ("SOC", "社会事业"): {"SOC.SECURITY": "社会保障", "SOC.EMPLOY": "就业与人力资源", "SOC.EDU": "教育",
                       "SOC.HEALTH": "卫生健康", "SOC.CIVIL": "民政与社会治理"},
    ("URBAN", "城乡建设"): {"URBAN.PLAN": "城乡规划", "URBAN.TRANSPORT": "交通运输", "URBAN.BUILD": "建设工程",
                         "URBAN.HOUSING": "住房保障"},
    ("ENV", "生态环境与资源"): {"ENV.PROTECT": "环境保护", "ENV.WATER": "水利", "ENV.LAND": "自然资源",
                           "ENV.ENERGY": "能源"},
    ("TECH", "科技与信息"): {"TECH.IT": "信息技术", "TECH.DATA": "数据安全与个人信息保护",
                          "TECH.SAFETY": "安全生产与应急管理"},
    ("ADMIN", "公共管理"): {"ADMIN.PUBLIC": "行政管理", "ADMIN.RISK": "社会稳定风险评估",
                         "ADMIN.EVAL": "政策评估"},
}


def default_specialties() -> list[Specialty]:
    out: list[Specialty] = []
    for (code, name), children in DEFAULT_TREE.items():
        out.append(Specialty(code, name, None))
        out.extend(Specialty(child, child_name, code) for child, child_name in children.items())
    return out


def subtree_codes(code: str, tree: Iterable[Specialty]) -> set[str]:
    """``code`` and every specialty below it: a sub-pool query includes its refinements."""
    children: dict[str, list[str]] = {}
    for s in tree:
        if s.parent_code:
            children.setdefault(s.parent_code, []).append(s.code)
    found, stack = set(), [code]
    while stack:
        current = stack.pop()
        if current not in found:
            found.add(current)
            stack.extend(children.get(current, ()))
    return found


def check_codes(codes: list[str], known: set[str], field_name: str, errors: ErrorCollector) -> None:
    """Experts, calls and items name nodes of the tree, each once (R-POOL-1)."""
    for i, code in enumerate(codes):
        if code not in known:
            errors.add(f"{field_name}[{i}]", f"未知的专业代码「{code}」，见 GET /api/v1/specialties", "R-POOL-1")
    if len(set(codes)) != len(codes):
        errors.add(field_name, "专业代码重复")
