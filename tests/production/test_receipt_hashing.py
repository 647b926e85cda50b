"""Receipt codes are looked up by HMAC-SHA256 under the instance key; hashes made before the switch
(Argon2id) keep working and are re-hashed at their next successful sign-in (issue 19)."""
from __future__ import annotations

from sqlalchemy import select, text

from tipline import crypto
from tipline.intake import receipts, services
from tipline.intake.models import Tip

from ..intake.helpers import open_status, receipt_of, submit


def test_new_reports_store_an_hmac_and_sign_in_with_it(app, client, session):
    code = receipt_of(submit(client).get_data(as_text=True))
    stored = session.scalars(select(Tip.receipt_hash)).one()
    with app.app_context():
        assert stored == receipts.code_hash(receipts.normalise(code), crypto.keyring().hmac_key)
    assert stored.startswith("hmac:") and receipts.normalise(code) not in stored
    session.rollback()  # end the test's read transaction (SQLite would keep the app from writing)
    assert open_status(client, code).request.path == "/status/report"


def test_legacy_argon2_hash_still_signs_in_and_is_rehashed(app, client, session, monkeypatch):
    code = receipt_of(submit(client).get_data(as_text=True))
    digits = receipts.normalise(code)
    with app.app_context():
        key = crypto.keyring().hmac_key
    version = session.scalars(select(Tip.version)).one()
    # As the tip was stored before the switch: an Argon2id hash.
    session.execute(text("UPDATE tip SET receipt_hash = :h"), {"h": receipts.legacy_code_hash(digits, key)})
    session.commit()

    resp = open_status(client, code)
    assert resp.request.path == "/status/report"
    session.expire_all()
    tip = session.scalars(select(Tip)).one()
    assert tip.receipt_hash == receipts.code_hash(digits, key)  # re-hashed on that sign-in
    assert tip.version == version  # bookkeeping, not an edit: no optimistic-lock conflict for staff
    session.rollback()

    # From now on the code signs in by HMAC alone, and with no legacy hash left a wrong code costs
    # no Argon2 either.
    monkeypatch.setattr(services, "LEGACY_RECHECK", 0.0)
    calls = []
    monkeypatch.setattr(receipts, "legacy_code_hash", lambda *a: calls.append(a) or "x")
    other = app.test_client()
    assert open_status(other, code).request.path == "/status/report"
    wrong = open_status(other, "0000 0000 0000 0001")
    assert wrong.status_code == 200 and wrong.request.path == "/status"
    assert calls == []


def test_wrong_code_with_legacy_hashes_left_is_still_refused(app, client, session):
    code = receipt_of(submit(client).get_data(as_text=True))
    with app.app_context():
        key = crypto.keyring().hmac_key
    session.execute(text("UPDATE tip SET receipt_hash = :h"),
                    {"h": receipts.legacy_code_hash(receipts.normalise(code), key)})
    session.commit()
    wrong = open_status(app.test_client(), "1111 2222 3333 4444")
    assert wrong.status_code == 200 and wrong.request.path == "/status"  # the login form again, with its message
    assert session.scalars(select(Tip.receipt_hash)).one() == receipts.legacy_code_hash(receipts.normalise(code), key)
