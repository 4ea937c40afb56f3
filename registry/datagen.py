"""A seeded generator of realistic registry data, keeping the truth of which names belong together.

It makes experts (Chinese names, valid ID numbers, phones, sectors, specialties, employment histories),
institutions (universities with their schools, institutes, law firms, consultancies, social
organisations, enterprises, government bodies) with aliases and traditional/simplified variants,
co-work, supervision and family relations, decision items, interests and pre-decision participation.
The truth (which variant names which institution, which expert records are the same person) lets
name matching and duplicate detection be scored. Same seed and size, same world.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

import zhconv

from registry.domain.identifiers import USCC_ALPHABET, make_citizen_id, make_uscc
from registry.domain.specialties import default_specialties

# (province, city, administrative division code of the city proper)
REGIONS = [
    ("浙江", "杭州", "330100"), ("浙江", "宁波", "330200"), ("浙江", "温州", "330300"), ("浙江", "衢州", "330800"),
    ("江苏", "南京", "320100"), ("江苏", "苏州", "320500"), ("广东", "广州", "440100"), ("广东", "深圳", "440300"),
    ("四川", "成都", "510100"), ("湖北", "武汉", "420100"), ("陕西", "西安", "610100"), ("辽宁", "沈阳", "210100"),
    ("辽宁", "大连", "210200"), ("山东", "济南", "370100"), ("山东", "青岛", "370200"), ("河南", "郑州", "410100"),
    ("河南", "济源", "419001"), ("湖南", "长沙", "430100"), ("福建", "福州", "350100"), ("福建", "厦门", "350200"),
    ("安徽", "合肥", "340100"), ("江西", "南昌", "360100"), ("内蒙古", "呼和浩特", "150100"),
    ("内蒙古", "包头", "150200"),
    ("上海", "上海", "310100"), ("北京", "北京", "110100"), ("天津", "天津", "120100"), ("重庆", "重庆", "500100"),
    ("云南", "昆明", "530100"), ("贵州", "贵阳", "520100"), ("广西", "南宁", "450100"), ("黑龙江", "哈尔滨", "230100"),
]
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
            "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = ("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉兰文斌俊峰波宁辉鹏飞海燕婷雪琳晨"
         "浩然宇轩子涵欣怡思远嘉怡梓萱一诺雨泽博文振华立新卫东建平永红春梅晓东晓燕国庆海峰德胜玉珍淑芬")
BRAND = ("天册金诚汇信中正大成立信德恒国浩君合锦天城中伦通力星韵嘉源瑞安恒信华夏中联宏达永信正泰新纪元明德致远"
         "博雅求是启明光华海纳鼎盛同创卓越精诚弘毅中和东方南湖西湖钱塘之江瓯越甬江")
UNIVERSITY_PATTERNS = ["{p}大学", "{c}大学", "{p}师范大学", "{p}财经大学", "{p}工业大学", "{c}理工大学", "{p}政法学院",
                       "{p}农林大学", "{c}医科大学", "{p}工商大学", "{c}学院", "{p}科技大学"]
SCHOOLS = ["法学院", "公共管理学院", "经济学院", "环境与资源学院", "社会学系", "计算机学院"]
INSTITUTE_PATTERNS = ["{p}社会科学院", "{c}市发展研究中心", "{p}{b}政策研究院", "{c}{b}城市规划设计研究院",
                      "{p}环境科学研究院", "{c}{b}经济研究所"]
SOCIAL_PATTERNS = ["{c}市法学会", "{c}市{b}行业协会", "{p}省{b}研究会", "{c}市律师协会", "{c}市{b}社会工作者协会"]
CONSULTANCY_PATTERNS = ["{c}{b}工程咨询有限公司", "{c}{b}管理咨询有限公司", "{p}{b}评估咨询有限公司",
                        "{c}{b}信息咨询有限公司"]
ENTERPRISE_PATTERNS = ["{c}{b}建设集团有限公司", "{c}{b}置业有限公司", "{p}{b}能源股份有限公司",
                       "{c}{b}交通投资集团有限公司", "{c}{b}环保科技有限公司"]
GOV_DEPTS = ["人力资源和社会保障局", "司法局", "发展和改革委员会", "自然资源和规划局", "生态环境局", "交通运输局",
             "住房和城乡建设局", "财政局", "教育局", "卫生健康委员会", "市场监督管理局", "应急管理局"]
TITLES = {"academia": ["教授", "副教授", "研究员", "副研究员"],
          "enterprise": ["高级工程师", "正高级工程师", "高级经济师"],
          "law": ["律师", "一级律师", "二级律师"], "government": ["一级巡视员", "二级巡视员", "处长（退休）"],
          "social_organisation": ["秘书长", "高级社会工作师"]}
SECTOR_EMPLOYERS = {"academia": ("university", "research_institute"), "enterprise": ("enterprise", "consultancy"),
                    "law": ("law_firm",), "government": ("government_body",),
                    "social_organisation": ("social_organisation",)}
TOPICS = ["城市轨道交通票价调整", "最低工资标准调整", "老旧小区改造", "生活垃圾分类管理", "基本医疗保险门诊共济",
          "工程建设项目审批制度改革", "城区停车收费标准", "养老服务体系建设", "水资源费征收标准",
          "国有土地上房屋征收补偿",
          "技工院校布局调整", "失业保险稳岗返还", "城市更新专项规划", "新能源汽车充电设施建设", "中小学学区划分"]
DOC_KINDS = ["实施方案", "管理办法", "若干规定", "专项规划", "实施意见"]
KINSHIP = ["spouse", "parent", "child", "sibling", "close_relative"]
INTEREST_KINDS = ["applicant", "regulated_party", "beneficiary", "contractor"]
LEGAL_FORM_SWAPS = [("有限公司", "有限责任公司"), ("股份有限公司", "股份公司"), ("集团有限公司", "集团公司")]


@dataclass
class GenInstitution:
    id: int
    name: str
    kind: str
    region: str
    region_code: str
    uscc: str | None
    parent_id: int | None = None
    aliases: list[str] = field(default_factory=list)
    # Truth for name matching: (text as a user might type it, how it varies from the name)
    variants: list[tuple[str, str]] = field(default_factory=list)
    credit_status: str = "good"


@dataclass
class GenEmployment:
    institution_id: int
    employer_name: str  # as typed: sometimes a variant of the canonical name
    start: date
    end: date | None
    position: str


@dataclass
class GenExpert:
    id: int
    name: str
    gender: str
    id_number: str
    phone: str
    email: str
    title: str
    region: str
    sector: str
    specialties: list[str]
    employments: list[GenEmployment]
    duplicate_of: int | None = None  # truth: the same person entered again


@dataclass
class GenRelation:
    """An edge between two nodes: ('expert', id) / ('institution', id) / ('item', id)."""

    kind: str
    source: tuple[str, int]
    target: tuple[str, int]
    start: date | None = None
    end: date | None = None
    detail: str = ""


@dataclass
class GenItem:
    id: int
    title: str
    drafting_unit_id: int
    specialties: list[str]
    wide_scope: bool
    controversial: bool
    complex: bool
    opened_on: date


@dataclass
class World:
    institutions: list[GenInstitution]
    experts: list[GenExpert]
    items: list[GenItem]
    relations: list[GenRelation]

    def institution_truth(self) -> list[tuple[str, int, str]]:
        """(typed text, institution id, variant kind) for every generated variant."""
        return [(text, inst.id, kind) for inst in self.institutions for text, kind in inst.variants]

    def duplicate_pairs(self) -> set[tuple[int, int]]:
        return {(e.duplicate_of, e.id) for e in self.experts if e.duplicate_of is not None}


def _traditional(text: str) -> str:
    return zhconv.convert(text, "zh-hant")


def _abbreviation(name: str) -> str | None:
    """浙江大学 → 浙大, 浙江工业大学 → 浙工大, 上海财经大学 → 上财 (the usual first-character pattern)."""
    for suffix, short in (("工业大学", "工大"), ("财经大学", "财"), ("师范大学", "师大"), ("理工大学", "理工"),
                          ("政法学院", "政法"), ("大学", "大")):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[0] + short
    return None


class _Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.used_names: set[str] = set()
        self.specialty_leaves = [s.code for s in default_specialties() if s.parent_code]
        self.uscc_serial = 0

    def _uscc(self, dept: str, kind: str, region_code: str) -> str:
        self.uscc_serial += 1
        body, n = "", self.uscc_serial * 7919 + 100003
        for _ in range(9):
            n, r = divmod(n, len(USCC_ALPHABET))
            body = USCC_ALPHABET[r] + body
        return make_uscc(dept, kind, region_code, body)

    def _unique(self, make) -> str | None:
        for _ in range(40):
            name = make()
            if name not in self.used_names:
                self.used_names.add(name)
                return name
        return None

    def _variants(self, name: str, kind: str) -> list[tuple[str, str]]:
        out = []
        if (short := _abbreviation(name)) and kind == "university":
            out.append((short, "abbreviation"))
        trad = _traditional(name)
        if trad != name:
            out.append((trad, "traditional"))
        for long, short in LEGAL_FORM_SWAPS:
            if name.endswith(long):
                out.append((name[: -len(long)] + short, "legal_form"))
                break
        if kind == "university":
            out.append((f"{name}（{self.rng.choice('东南西北')}校区）", "campus"))
        cut = self.rng.randrange(1, len(name))
        out.append((name[:cut] + " " + name[cut:], "spacing"))
        return out

    def institutions(self, count: int) -> list[GenInstitution]:
        rng, out = self.rng, []
        mix = [("university", 0.10), ("research_institute", 0.10), ("law_firm", 0.18), ("consultancy", 0.20),
               ("social_organisation", 0.10), ("enterprise", 0.20), ("government_body", 0.12)]
        patterns = {"university": UNIVERSITY_PATTERNS, "research_institute": INSTITUTE_PATTERNS,
                    "social_organisation": SOCIAL_PATTERNS, "consultancy": CONSULTANCY_PATTERNS,
                    "enterprise": ENTERPRISE_PATTERNS}
        dept_codes = {"university": ("1", "2"), "research_institute": ("1", "2"), "law_firm": ("3", "1"),
                      "consultancy": ("9", "1"), "social_organisation": ("5", "1"), "enterprise": ("9", "1"),
                      "government_body": ("1", "1")}
        while len(out) < count:
            kind = rng.choices([k for k, _ in mix], [w for _, w in mix])[0]
            province, city, code = rng.choice(REGIONS)

            def make(kind: str = kind, province: str = province, city: str = city) -> str:
                b = rng.choice(BRAND[::2]) + rng.choice(BRAND[1::2]) if rng.random() < 0.7 else \
                    BRAND[rng.randrange(0, len(BRAND) - 1, 2):][:2]
                if kind == "law_firm":
                    return f"{province if rng.random() < 0.5 else city}{b}律师事务所"
                if kind == "government_body":
                    return f"{city}市{rng.choice(GOV_DEPTS)}"
                return rng.choice(patterns[kind]).format(p=province, c=city, b=b)

            name = self._unique(make)
            if name is None:
                continue
            inst = GenInstitution(len(out) + 1, name, kind, city, code, self._uscc(*dept_codes[kind], code))
            inst.variants = self._variants(name, kind)
            inst.aliases = [v for v, k in inst.variants if k == "abbreviation"]
            inst.credit_status = "good" if rng.random() > 0.03 else rng.choice(["warning", "discredited"])
            out.append(inst)
            if kind == "university" and len(out) < count:
                for school in rng.sample(SCHOOLS, k=min(len(SCHOOLS), rng.randint(1, 3))):
                    if len(out) >= count or f"{name}{school}" in self.used_names:
                        continue
                    self.used_names.add(f"{name}{school}")
                    child = GenInstitution(len(out) + 1, f"{name}{school}", "university", city, code, None,
                                           parent_id=inst.id)
                    traditional = _traditional(child.name)
                    child.variants = [(traditional, "traditional")] if traditional != child.name else []
                    out.append(child)
        return out

    def experts(self, count: int, institutions: list[GenInstitution], duplicate_rate: float) -> list[GenExpert]:
        rng = self.rng
        by_kind: dict[str, list[GenInstitution]] = {}
        for inst in institutions:
            by_kind.setdefault(inst.kind, []).append(inst)
        sectors = ["academia", "enterprise", "law", "government", "social_organisation"]
        out: list[GenExpert] = []
        while len(out) < count:
            male = rng.random() < 0.62
            birth = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 40 * 365))
            province, city, code = rng.choice(REGIONS)
            name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
            sector = rng.choices(sectors, [0.45, 0.2, 0.15, 0.12, 0.08])[0]
            employments = self._employment_history(sector, by_kind, birth)
            n = len(out) + 1
            expert = GenExpert(
                id=n, name=name, gender="male" if male else "female",
                id_number=make_citizen_id(code[:4] + "02", birth, n, male),
                phone=f"1{rng.choice('3589')}{rng.randrange(10**9):09d}", email=f"expert{n}@example.cn",
                title=rng.choice(TITLES[sector]), region=city, sector=sector,
                specialties=sorted(set(rng.sample(self.specialty_leaves, k=rng.choice((1, 1, 2, 3))))),
                employments=employments)
            out.append(expert)
            if rng.random() < duplicate_rate and len(out) < count:
                out.append(self._duplicate_of(expert, len(out) + 1))
        return out

    def _employment_history(self, sector, by_kind, birth: date) -> list[GenEmployment]:
        rng, history = self.rng, []
        start = date(birth.year + rng.randint(23, 30), rng.choice((7, 9)), 1)
        for i in range(rng.choice((1, 1, 2, 3))):
            kind = rng.choice(SECTOR_EMPLOYERS[sector])
            pool = by_kind.get(kind) or by_kind[next(iter(by_kind))]
            inst = rng.choice(pool)
            end = None if i == 2 else start + timedelta(days=rng.randint(3, 12) * 365)
            typed = inst.name if not inst.variants or rng.random() < 0.7 else rng.choice(inst.variants)[0]
            history.append(GenEmployment(inst.id, typed, start, end,
                                         rng.choice(["", "教授", "主任", "合伙人", "研究员"])))
            if end is None or end > date(2026, 1, 1):
                history[-1].end = None
                break
            start = end + timedelta(days=1)
        history[-1].end = None
        return history

    def _duplicate_of(self, original: GenExpert, new_id: int) -> GenExpert:
        """The same person entered again: traditional characters or a stray space, same ID number or phone."""
        rng = self.rng
        name = _traditional(original.name) if rng.random() < 0.5 else original.name[0] + " " + original.name[1:]
        keep_id = rng.random() < 0.5
        return GenExpert(
            id=new_id, name=name, gender=original.gender,
            id_number=original.id_number if keep_id else make_citizen_id(original.id_number[:6], date(1960, 1, 1),
                                                                          new_id, original.gender == "male"),
            phone=original.phone if not keep_id or rng.random() < 0.5 else f"139{rng.randrange(10**8):08d}",
            email=original.email if rng.random() < 0.5 else f"{new_id}@mail.example.cn", title=original.title,
            region=original.region, sector=original.sector, specialties=list(original.specialties),
            employments=list(original.employments), duplicate_of=original.id)

    def items(self, count: int, institutions: list[GenInstitution]) -> list[GenItem]:
        rng = self.rng
        units = [i for i in institutions if i.kind == "government_body"] or institutions
        out = []
        for n in range(1, count + 1):
            unit = rng.choice(units)
            title = f"{unit.region}市{rng.choice(TOPICS)}{rng.choice(DOC_KINDS)}（{2020 + n % 7}年第{n}号）"
            out.append(GenItem(n, title, unit.id, sorted(rng.sample(self.specialty_leaves, k=rng.randint(1, 3))),
                               wide_scope=rng.random() < 0.2, controversial=rng.random() < 0.15,
                               complex=rng.random() < 0.2,
                               opened_on=date(2021, 1, 1) + timedelta(days=rng.randrange(0, 6 * 365))))
        return out

    def relations(self, experts, institutions, items, density: float) -> list[GenRelation]:
        rng, out = self.rng, []
        persons = [e for e in experts if e.duplicate_of is None]
        for e in persons:
            for job in e.employments:
                out.append(GenRelation("employed_by", ("expert", e.id), ("institution", job.institution_id),
                                       job.start, job.end))
        for inst in institutions:
            if inst.parent_id:
                out.append(GenRelation("part_of", ("institution", inst.id), ("institution", inst.parent_id)))
        def pair_edges(kind, number, dated):
            for _ in range(int(number)):
                a, b = rng.sample(persons, 2)
                start = date(2010, 1, 1) + timedelta(days=rng.randrange(0, 16 * 365)) if dated else None
                end = start + timedelta(days=rng.randint(180, 1500)) if dated else None
                out.append(GenRelation(kind, ("expert", a.id), ("expert", b.id), start, end,
                                       rng.choice(KINSHIP) if kind == "relative_of" else ""))
        pair_edges("co_worked", len(persons) * 6 * density, True)
        pair_edges("supervised", len(persons) * 0.3 * density, True)
        pair_edges("relative_of", len(persons) * 0.2 * density, False)
        others = [i for i in institutions if i.kind in ("enterprise", "consultancy", "social_organisation")]
        for _ in range(int(len(persons) * 0.5 * density)):
            e, inst = rng.choice(persons), rng.choice(others)
            kind = rng.choice(["shareholder_of", "director_of", "adviser_of"])
            out.append(GenRelation(kind, ("expert", e.id), ("institution", inst.id),
                                   date(2015, 1, 1) + timedelta(days=rng.randrange(0, 10 * 365)), None))
        for _ in range(int(len(institutions) * 0.2 * density)):
            a, b = rng.sample(institutions, 2)
            out.append(GenRelation(rng.choice(["funded_by", "controlled_by"]), ("institution", a.id),
                                   ("institution", b.id)))
        for item in items:
            for _ in range(rng.choice((0, 1, 1, 2))):
                holder = ("institution", rng.choice(institutions).id) if rng.random() < 0.7 \
                    else ("expert", rng.choice(persons).id)
                out.append(GenRelation("interest_in", holder, ("item", item.id), item.opened_on, None,
                                       rng.choice(INTEREST_KINDS)))
            for _ in range(rng.choice((0, 1, 2))):
                who = ("expert", rng.choice(persons).id) if rng.random() < 0.6 \
                    else ("institution", rng.choice(institutions).id)
                out.append(GenRelation("argued_before", who, ("item", item.id), item.opened_on, None,
                                       rng.choice(["argument", "risk_assessment"])))
        return out


def generate(experts: int = 300, institutions: int = 80, items: int = 60, seed: int = 2026,
             duplicate_rate: float = 0.02, relation_density: float = 1.0) -> World:
    gen = _Generator(seed)
    insts = gen.institutions(institutions)
    people = gen.experts(experts, insts, duplicate_rate)
    decision_items = gen.items(items, insts)
    return World(insts, people, decision_items, gen.relations(people, insts, decision_items, relation_density))
