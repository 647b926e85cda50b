"""A known data set built through the real services, with its hand-counted figures.

All tips arrive at T0 (2026-03-02 09:30 Shanghai) in Jinshui (410105), except one in Luoyang.
Triage (days after T0): t1 filed 1, t5 complaint 1, t3 filed 2, t6 merged into t1 2, t2 filed 3,
t8 sent to another department 4, t4 not accepted 5  -> triage days [1,1,2,2,3,4,5].
Cases: c1 (t1) filed 03-03, decided 03-12 (violation, 150,000 fine + 23,456.78 gains, rectification
notice + certificate revoked), closed 04-11; c2 (t2) filed 03-05, decided 03-22 (violation, 50,000,
rectification notice); c3 (t3) filed 03-04, decided 04-01 (no violation).
Inspections: c1 two (2 and 3 problems), c2 one (1 problem).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from tipline.cases import investigation, triage
from tipline.cases.deadlines.models import Clock
from tipline.intake.models import EvidenceFile, Tip

from .. import factories

REPORTER_NAME = "独特举报人姓名甲"
TIP_TEXT = "独特举报内容乙：该公司未做检测即出具水泥检验报告，样品从未送到实验室。"
FILE_NAME = "独特证据文件丙.pdf"
ENTITY_A = "郑州甲乙检测技术有限公司"
ENTITY_B = "郑州丙丁认证服务有限公司"
ENTITY_C = "郑州戊己检验有限公司"

EXPECTED = {
    "by_channel": {"web": 5, "email": 1, "hotline": 1},
    "by_group": {"testing": 5, "certification": 1, "other": 1},
    "triage": {"case_filed": 3, "not_accepted": 1, "complaint": 1, "merged": 1, "transferred": 1},
    "key_figures": {"inspections": 3, "violation_cases": 3, "cases_filed": 3, "problems_found": 6,
                    "rectification_notices": 2, "certificates_revoked": 1},
    "by_outcome": {"violation": 2, "no_violation": 1, "criminal_transfer": 0},
    "fines": Decimal("200000.00"), "gains": Decimal("23456.78"), "penalties": Decimal("223456.78"),
    # triage [1,1,2,2,3,4,5]; investigation [9,17,28]; closing [30]
    "handling": {"triage": (7, 2.0, 4.4), "investigation": (3, 17.0, 25.8), "closing": (1, 30.0, 30.0)},
    # 7 filing + 3 decision + 1 closing clocks answered in time, and one complaint answered late (added)
    "deadlines": (11, 1),
    "answered_percent": 87.5,  # filing and complaint-acceptance clocks: 7 met of 8
}


def _today(clock) -> dt.date:
    return (clock() + dt.timedelta(hours=8)).date()


def people(session, clock):
    made = {}
    for name, role, division in (("boss", "supervisor", "410105"), ("inv1", "officer", "410105"),
                                 ("inv2", "officer", "410105"), ("tri", "officer", "410105"),
                                 ("prov", "supervisor", "410000"), ("aud", "auditor", "410000"),
                                 ("ly", "supervisor", "410300")):
        made[name] = factories.user(session, now=clock(), username=name, role=role, division_code=division,
                                    display_name=name.upper())
    session.commit()
    return SimpleNamespace(**made)


def build(app, session, clock):
    """The data set above; returns the tips, cases and users."""
    who = people(session, clock)
    boss = who.boss
    t0 = clock()
    t1, _c = factories.tip(session, now=t0, entity_name=ENTITY_A, description=TIP_TEXT, reporter_name=REPORTER_NAME,
                           reporter_phone="13800000000")
    t2, _c = factories.tip(session, now=t0, channel="email", category_code="cert.false", entity_name=ENTITY_B)
    t3, _c = factories.tip(session, now=t0, channel="hotline", category_code="test.untrue_report",
                           entity_name=ENTITY_C)
    t4, _c = factories.tip(session, now=t0, category_code="other.food", entity_name="某食品店")
    t5, _c = factories.tip(session, now=t0, entity_name="某检测站")
    t6, _c = factories.tip(session, now=t0, entity_name=ENTITY_A)
    t7, _c = factories.tip(session, now=t0, division_code="410302", category_code="cert.ccc", entity_name="洛阳某公司")
    t8, _c = factories.tip(session, now=t0, entity_name="某建材检测中心")
    store = app.extensions["evidence_store"]
    evidence = EvidenceFile(tip_id=t1.id, stored_name=store.put(b"%PDF-1.4 evidence", session), display_name=FILE_NAME,
                            mime="application/pdf", family="pdf", size=17, sha256="0" * 64,
                            original_sha256="0" * 64, created_at=t0)
    session.add(evidence)
    session.commit()

    def step(days):
        clock.current = t0 + dt.timedelta(days=days)
        return clock()

    kw = dict(actor=boss, version=None)
    now = step(1)
    c1 = triage.file_case(session, now=now, tip=t1, filing_number="豫市监金立〔2026〕1号", filed_on=_today(clock), **kw)
    triage.mark_complaint(session, now=now, tip=t5, reason="投诉事项", **kw)
    now = step(2)
    c3 = triage.file_case(session, now=now, tip=t3, filing_number="豫市监金立〔2026〕3号", filed_on=_today(clock), **kw)
    triage.merge(session, now=now, tip=t6, target=t1, reason="同一事项", **kw)
    now = step(3)
    c2 = triage.file_case(session, now=now, tip=t2, filing_number="豫市监金立〔2026〕2号", filed_on=_today(clock), **kw)
    now = step(4)
    triage.transfer_department(session, now=now, tip=t8, department="construction", reason="属建设部门", **kw)
    now = step(5)
    triage.reject(session, now=now, tip=t4, reason="不属于本部门", public_reason="不属于检验检测认证事项", **kw)
    session.commit()

    now = step(6)
    for case, problems in ((c1, 2), (c1, 3), (c2, 1)):
        investigation.add_inspection(session, now=now, case=case, actor=boss,
                                     inspected_on=_today(clock), place="现场", officers="甲、乙",
                                     findings="内部检查记录", problems_found=problems)
    now = step(10)
    investigation.decide(session, now=now, case=c1, outcome="violation", decision_number="豫市监金罚〔2026〕1号",
                         decision_date=_today(clock), fines="150000", confiscated_gains="23456.78",
                         measures=["rectification_notice", "certificate_revoked"], legal_basis="第二十六条", **kw)
    now = step(20)
    investigation.decide(session, now=now, case=c2, outcome="violation", decision_number="豫市监金罚〔2026〕2号",
                         decision_date=_today(clock), fines="50000", measures=["rectification_notice"],
                         legal_basis="第二十七条", **kw)
    now = step(30)
    investigation.decide(session, now=now, case=c3, outcome="no_violation", decision_number="",
                         decision_date=_today(clock), **kw)
    now = step(40)
    investigation.close(session, now=now, case=c1, executed_on=_today(clock) - dt.timedelta(days=1),
                        closed_on=_today(clock), **kw)
    # A complaint answered late: the one missed deadline in the set.
    session.add(Clock(kind="complaint_acceptance", tip_id=t5.id, division_code="410105", start_on=dt.date(2026, 3, 2),
                      length=7, unit="workdays", rule_from=dt.date(2025, 1, 1), state="done",
                      due_on=dt.date(2026, 3, 11), done_on=dt.date(2026, 3, 20), met=False, created_at=now))
    c1.publishable = True
    c2.publishable = False
    c3.publishable = True  # no decision number: must not appear either
    session.commit()
    return SimpleNamespace(users=who, tips=[t1, t2, t3, t4, t5, t6, t7, t8], c1=c1, c2=c2, c3=c3,
                           evidence=evidence, store=store)


def tip_count(session) -> int:
    from sqlalchemy import func, select
    return session.scalar(select(func.count(Tip.id)))
