"""rewards.export without HTTP: the claimant's identity only for finance giving a reason, and audited."""
from __future__ import annotations

from sqlalchemy import select

from tipline.audit.models import AuditEvent
from tipline.rewards.export import HEADER, IDENTITY_HEADER, register_table

from .. import factories


def exported(session, clock, actor, reason):
    table = register_table(session, now=clock(), actor=actor, identity_reason=reason)
    session.commit()
    return table, list(session.scalars(select(AuditEvent.action).where(
        AuditEvent.action == "reward.register_exported_with_identity")))


def test_identity_only_for_finance_with_a_reason(app, session, clock):
    auditor = factories.user(session, now=clock(), role="auditor", division_code="410000")
    finance = factories.user(session, now=clock(), role="finance", division_code="410000")
    table, audited = exported(session, clock, auditor, "年度审计")
    assert table.header == HEADER and audited == []
    table, audited = exported(session, clock, finance, "  ")
    assert table.header == HEADER and audited == []
    table, audited = exported(session, clock, finance, "年度审计")
    assert table.header == HEADER + IDENTITY_HEADER and audited == ["reward.register_exported_with_identity"]
