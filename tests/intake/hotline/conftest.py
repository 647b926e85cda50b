"""The hotline tests' fixture: an API token (a conftest fixture, so test modules need not import it)."""
from __future__ import annotations

import pytest

from . import new_token


@pytest.fixture
def token(app):
    return new_token(app)
