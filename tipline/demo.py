"""Demo data for `make run`: accounts in the province and in Zhengzhou, and a few tips and cases
so every page has something to show. Idempotent: a second run adds nothing."""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .auth import services as auth
from .auth.models import User

DEMO_PASSWORD = "tipline-demo-2026"  # noqa: S105 - the published password of the local demo accounts

ACCOUNTS = [
    # username, role, division, display name
    ("admin", "admin", "410000", "系统管理员"),
    ("officer", "officer", "410100", "郑州 办案人员 王"),
    ("officer2", "officer", "410100", "郑州 办案人员 李"),
    ("officer3", "officer", "410105", "金水区 办案人员 张"),
    ("officer4", "officer", "410105", "金水区 办案人员 刘"),
    ("officer5", "officer", "410105", "金水区 办案人员 陈"),
    ("supervisor", "supervisor", "410100", "郑州 科长 赵"),
    ("supervisor2", "supervisor", "410105", "金水区 科长 钱"),
    ("finance", "finance", "410100", "郑州 财务 陈"),
    ("finance2", "finance", "410100", "郑州 财务 刘"),
    ("auditor", "auditor", "410000", "省局 审计 孙"),
    ("provofficer", "officer", "410000", "省局 办案人员 周"),
]

# Keyword arguments of intake.TipInput.
TIPS: list[dict[str, Any]] = [
    dict(kind="report", category_code="test.false_report", entity_name="郑州某某检测技术有限公司",
         entity_uscc="91350200MA2YJ1XR9G", division_code="410105", knowledge="insider",
         description="该公司在未实际检测的情况下出具混凝土抗压强度检测报告，报告编号 ZZJC-2026-0311，"
                     "原始记录由业务员事后补写，样品从未进入实验室。"),
    dict(kind="report", category_code="cert.forged_certificate", entity_name="河南某电器销售有限公司",
         division_code="410102", knowledge="customer",
         description="在该公司购买的电热水壶贴有 CCC 标志，但在认证机构网站查不到对应证书编号，怀疑证书伪造。"),
    dict(kind="both", category_code="cert.ccc", entity_name="洛阳某灯具厂", division_code="410302",
         knowledge="customer",
         description="购买的 LED 灯具无 CCC 标志即销售，使用一周后外壳融化。我要求退货赔偿，同时举报其无证生产销售。"),
]
# Complaints (投诉): one in mediation, one closed with an agreement, one not accepted.
COMPLAINTS: list[dict[str, Any]] = [
    dict(kind="complaint", category_code="cert.ccc", entity_name="郑州某家电商城", division_code="410105",
         knowledge="customer", description="在该商城购买的电饭煲使用三天后无法加热，商城拒绝退换，要求退货退款。"),
    dict(kind="complaint", category_code="cert.ccc", entity_name="郑州某数码专营店", division_code="410105",
         knowledge="customer", description="购买的充电宝充电时发烫鼓包，商家只同意维修，我要求更换新品。"),
    dict(kind="complaint", category_code="cert.ccc", entity_name="郑州某五金批发部", division_code="410105",
         knowledge="customer", description="公司为装修工程批量采购的插座有质量问题，要求批发部赔偿工程损失。"),
]


@dataclass
class DemoAccounts:
    password: str
    rows: list[tuple[str, str, str]]
    receipts: list[tuple[str, str]] = field(default_factory=list)


def load_demo(session: Session, *, now: dt.datetime) -> DemoAccounts:
    existing = set(session.scalars(select(User.username)))
    for username, role, division, name in ACCOUNTS:
        if username not in existing:
            auth.create_user(session, now=now, username=username, password=DEMO_PASSWORD, role=role,
                             division_code=division, display_name=name, actor_label="demo")
    result = DemoAccounts(DEMO_PASSWORD, [(u, r, d) for u, r, d, _ in ACCOUNTS])
    session.flush()
    from .intake.models import Tip
    if session.scalar(select(func.count(Tip.id))) == 0:
        result.receipts = _tips_and_cases(session, now)
    from .inspections.demo import load as load_inspections  # the register of two cities and a drawn plan
    load_inspections(session, now, {u.username: u for u in session.scalars(select(User))})
    return result


def _receipt_code(code: str | None) -> str:
    """A first submission always gets a receipt code (None is only for a repeated form)."""
    if code is None:
        raise RuntimeError("a new demo tip got no receipt code")
    return code


def _tips_and_cases(session: Session, now: dt.datetime) -> list[tuple[str, str]]:
    from .cases import investigation, triage
    from .intake import services as intake
    users = {u.username: u for u in session.scalars(select(User))}
    receipts = []
    tips = []
    for i, data in enumerate(TIPS):
        at = now - dt.timedelta(days=20 - i * 5)
        result = intake.submit(session, now=at, data=intake.TipInput(**data), token=secrets.token_urlsafe(32),
                               known_division=lambda c: c.startswith("41"), actor_label="demo", sealed=False)
        tips.append(result.tip)
        receipts.append((data["entity_name"], _receipt_code(result.receipt_code)))
    # The first tip became a case that was decided and closed, with a reward to review.
    first = tips[0]
    case = triage.file_case(session, now=now - dt.timedelta(days=15), tip=first, actor=users["officer3"],
                            version=first.version, filing_number="郑金市监立〔2026〕18号",
                            filed_on=(now - dt.timedelta(days=15)).date())
    decided = (now - dt.timedelta(days=3)).date()
    investigation.add_inspection(session, now=now - dt.timedelta(days=10), case=case, actor=users["supervisor2"],
                                 inspected_on=(now - dt.timedelta(days=10)).date(),
                                 place="郑州市金水区某路 8 号检测实验室", officers="张、刘",
                                 findings="原始记录与报告数据不一致，样品留样室无对应样品。", problems_found=3)
    investigation.decide(session, now=now - dt.timedelta(days=3), case=case, actor=users["supervisor2"],
                         version=case.version, outcome="violation", decision_number="郑金市监罚〔2026〕42号",
                         decision_date=decided, fines="150000", confiscated_gains="36800",
                         measures=["rectification_notice"], legal_basis="《检验检测机构监督管理办法》第二十六条")
    investigation.close(session, now=now - dt.timedelta(days=1), case=case, actor=users["supervisor2"],
                        version=case.version, executed_on=decided, closed_on=(now - dt.timedelta(days=1)).date())
    case.publishable = True
    receipts += _complaints(session, now, users)
    return receipts


def _complaints(session: Session, now: dt.datetime, users: dict) -> list[tuple[str, str]]:
    from .cases import complaints
    from .intake import services as intake
    officer, receipts, tips = users["officer3"], [], []
    for i, data in enumerate(COMPLAINTS):
        at = now - dt.timedelta(days=12 - i)
        result = intake.submit(session, now=at, data=intake.TipInput(**data), token=secrets.token_urlsafe(32),
                               known_division=lambda c: c.startswith("41"), actor_label="demo", sealed=False)
        tips.append(result.tip)
        receipts.append((data["entity_name"], _receipt_code(result.receipt_code)))
    mediating, agreed, refused = tips
    day = (now - dt.timedelta(days=8)).date()
    for tip in (mediating, agreed):
        complaints.accept(session, now=now - dt.timedelta(days=8), tip=tip, actor=officer,
                          version=None, on=day)
    complaints.record_session(session, now=now - dt.timedelta(days=5), tip=mediating, actor=officer,
                              version=None, held_on=(now - dt.timedelta(days=5)).date(), form="phone",
                              positions="消费者要求退货退款；商城称需先检测，同意送检后再谈。")
    for days, form in ((6, "phone"), (3, "in_person")):
        complaints.record_session(session, now=now - dt.timedelta(days=days), tip=agreed, actor=officer,
                                  version=None, held_on=(now - dt.timedelta(days=days)).date(),
                                  form=form, positions="消费者要求更换新品；商家先只同意维修，后同意更换。")
    complaints.end_mediation(session, now=now - dt.timedelta(days=3), tip=agreed, actor=officer,
                             version=None, outcome="agreement", terms="商家于三日内为消费者更换同型号新品。",
                             on=(now - dt.timedelta(days=3)).date())
    complaints.not_accept(session, now=now - dt.timedelta(days=7), tip=refused, actor=officer,
                          version=None, ground="not_consumer", on=(now - dt.timedelta(days=7)).date(),
                          notice="您为装修工程采购商品，不属于为生活消费需要购买商品，依法不予受理；可通过民事诉讼等途径解决。")
    return receipts
