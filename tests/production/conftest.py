import pytest


@pytest.fixture
def app_settings_extra():
    return {}


@pytest.fixture
def app_settings(app_settings, app_settings_extra):
    app_settings.update(app_settings_extra)
    return app_settings
