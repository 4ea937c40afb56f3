"""Notification texts in Chinese (jinja2). Each names the decision item or record, the action wanted
and the deadline."""

from __future__ import annotations

from jinja2 import Environment, StrictUndefined

_ENV = Environment(undefined=StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True)

TEMPLATES: dict[str, tuple[str, str]] = {
    # R-PANEL-7 (issue 14): the drafting unit did not adopt a member's opinion; the reason is fed back
    "opinion_not_adopted": (
        "【论证意见采纳情况】{{ item }}",
        """{{ name }}您好：

您对重大行政决策事项「{{ item }}」提出的论证意见{% if correction %}（经专家库管理处更正）{% endif %}未被采纳。
未采纳理由：{{ reason }}
""",
    ),
    "invitation": (
        "【专家论证邀请】{{ item }}",
        """{{ name }}您好：

政策法规处邀请您参加重大行政决策事项「{{ item }}」的{{ purpose }}（{{ mode }}）。
{% if leader %}您被确定为本次论证的组长，请在研究期限内汇总形成论证报告。
{% endif %}
请于 {{ answer_by }} 前答复是否参加：
  接受：{{ accept_url }}
  谢绝（请说明理由）：{{ decline_url }}
链接有效期至 {{ link_expires }}，仅限本人使用。

材料移交日期：{{ handover_on }}；书面意见提交截止日期：{{ deadline }}（不少于7个工作日）。
""",
    ),
    "panel_drawn": (
        "【专家抽取结果】{{ item }}",
        """决策承办单位：
事项「{{ item }}」的{{ purpose }}已完成抽取：{{ members }}人，随机种子 {{ seed }}。
请于 {{ deadline }} 前组织完成论证；成员答复情况将另行通知。
""",
    ),
    "replacement": (
        "【专家替补】{{ item }}",
        """决策承办单位：
事项「{{ item }}」中{{ leaving }}未能参加（{{ why }}），已按原抽取条件替补{{ joining }}。
书面意见提交截止日期仍为 {{ deadline }}。
""",
    ),
    "invitation_reminder": (
        "【提醒】请于{{ answer_by }}前答复论证邀请：{{ item }}",
        """{{ name }}您好：
您尚未答复事项「{{ item }}」的论证邀请，请于 {{ answer_by }} 前答复，逾期视为谢绝并另行替补。
""",
    ),
    "study_deadline_reminder": (
        "【提醒】书面意见将于{{ deadline }}截止：{{ item }}",
        """{{ name }}您好：
事项「{{ item }}」的书面意见提交截止日期为 {{ deadline }}（还有2个工作日），请按时提交并签名。
""",
    ),
    "term_expiry": (
        "【聘期届满提醒】{{ name }}的聘期将于{{ end }}届满",
        """{{ name }}的专家聘期将于 {{ end }} 届满（还有{{ days }}天）。
请政策法规处组织续聘或解聘评议；专家本人如有意续聘，请提前准备相关材料。
""",
    ),
    # issue 17: the nightly re-check of every panel at work (R-COI-1..5)
    "conflict_recheck": (
        "【回避复核】{{ item }}：{{ member }}{{ status }}",
        """政策法规处：
每日回避复核发现，重大行政决策事项「{{ item }}」的论证成员{{ member }}（抽取申请 {{ request }}）{{ status }}：
{{ sentence }}（{{ rule_id }}）
关系路径：{{ explanation }}
请核实后决定是否更换该成员；如认定不构成回避情形，请在回避检查中说明理由予以排除。
""",
    ),
    "annual_review_opened": (
        "【年度考核】{{ year }}年度专家考核任务已生成",
        """政策法规处：
已为{{ count }}名在聘专家生成{{ year }}年度考核任务（含参加论证、谢绝、书面意见按时提交等汇总数据），
请在考核中提出续聘、继续聘用或解聘意见。
""",
    ),
    "record_filing": (
        "【归档提醒】请将「{{ item }}」全过程记录归档",
        """决策承办单位：
事项「{{ item }}」已于 {{ decided_on }} 作出决策，请于 {{ due }} 前将专家论证、风险评估等全过程记录材料整理归档。
""",
    ),
    "record_filing_overdue": (
        "【归档逾期】「{{ item }}」全过程记录已逾期{{ days }}个工作日未归档",
        """事项「{{ item }}」（决策承办单位：{{ unit }}）已于 {{ decided_on }} 作出决策，
应于 {{ due }} 前将全过程记录归档（决策作出后10个工作日内，R-REC-3），现已逾期 {{ days }} 个工作日，请尽快归档。
""",
    ),
    "record_checkpoint": (
        "【全过程记录锚点】{{ day }} 第{{ seq }}条",
        """政策法规处：
全过程记录链在 {{ at }} 的链头为第 {{ seq }} 条，哈希值：
{{ hash }}
校验码：{{ mac }}
请将本邮件留存于数据库以外；核验时，链中该条记录的哈希值须与此一致（R-REC-2）。
""",
    ),
    "dismissal": (
        "【解聘通知】{{ name }}",
        """{{ name }}您好：
根据有关规定，自 {{ effective_on }} 起解除对您的专家聘任。原因：{{ reason }}。
如有异议，请与政策法规处联系。
""",
    ),
}


_COMPILED = {name: (_ENV.from_string(subject), _ENV.from_string(body)) for name, (subject, body) in TEMPLATES.items()}


def render(template: str, context: dict) -> tuple[str, str]:
    subject, body = _COMPILED[template]  # compiled once: rendering is then cheap
    return subject.render(**context), body.render(**context)
