"""tipline.web.run_service: the one mapping of domain errors to what a staff page answers."""
from __future__ import annotations

import pytest
from flask import get_flashed_messages
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import Forbidden as HTTPForbidden
from werkzeug.exceptions import NotFound as HTTPNotFound

from tipline.errors import Conflict, Forbidden, NotFound, ValidationFailed
from tipline.web import run_service


class Field:
    def __init__(self):
        self.errors = []


class Form:
    def __init__(self):
        self.amount, self.reason = Field(), Field()


def raising(exc):
    def fn():
        raise exc
    return fn


def refused(exc):
    return None if isinstance(exc, Forbidden) else f"refused: {exc.details.get('kind')}"


@pytest.fixture
def request_ctx(app):
    with app.test_request_context("/staff/"):
        yield


def test_a_call_that_goes_through_returns_none(request_ctx):
    calls = []
    assert run_service(lambda: calls.append(1), Form(), field_text=str) is None and calls == [1]


def test_field_codes_go_on_the_form_and_unknown_fields_on_reason(request_ctx):
    form = Form()
    status = run_service(raising(ValidationFailed("bad", fields={"amount": "too_high", "nope": "missing"})), form,
                         field_text=lambda code: f"text of {code}")
    assert status == 422
    assert form.amount.errors == ["text of too_high"] and form.reason.errors == ["text of missing"]


def test_a_conflict_is_flashed_with_its_status_and_a_stale_record_is_a_conflict(request_ctx):
    assert run_service(raising(Conflict("no", kind="state")), Form(), field_text=str, message=refused) == 409
    assert run_service(raising(StaleDataError()), Form(), field_text=str, message=refused) == 409
    assert get_flashed_messages() == ["refused: state", "refused: stale"]


def test_an_error_without_a_message_is_its_status_page(request_ctx):
    with pytest.raises(HTTPForbidden):
        run_service(raising(Forbidden("no")), Form(), field_text=str, message=refused)
    with pytest.raises(HTTPNotFound):
        run_service(raising(NotFound("gone")), Form(), field_text=str)
