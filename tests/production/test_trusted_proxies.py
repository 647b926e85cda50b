"""Behind a reverse proxy: TIPLINE_TRUSTED_PROXIES decides whose X-Forwarded-For is believed.

With 0 (the default: clients connect directly) the header is the client's own words and ignored,
so a client cannot give itself a fresh rate-limit bucket. With 1 (one nginx in front), the value
that proxy appended is the client: two citizens behind the same proxy get separate buckets.
"""
from __future__ import annotations

import pytest

from tipline.config import ConfigError, load_settings

from ..conftest import csrf_token
from ..intake.helpers import open_status

PROXY = "10.9.9.9"


def wrong_code(client, forwarded: str):
    page = client.get("/status", headers={"X-Forwarded-For": forwarded}).get_data(as_text=True)
    return client.post("/status", data={"csrf_token": csrf_token(page), "receipt": "1234 5678 9012 3456"},
                       headers={"X-Forwarded-For": forwarded})


def test_spoofed_forwarded_for_is_ignored_without_trusted_proxies(client):
    client.environ_base["REMOTE_ADDR"] = "203.0.113.7"
    statuses = [wrong_code(client, f"198.51.100.{i}").status_code for i in range(10)]
    assert statuses == [200] * 10
    # A new made-up address in the header does not buy a new bucket.
    assert wrong_code(client, "198.51.100.200").status_code == 429


@pytest.mark.parametrize("app_settings_extra", [{"trusted_proxies": 1}])
def test_one_trusted_proxy_gives_each_client_its_own_bucket(app_settings, app_settings_extra, app):
    first, second = app.test_client(), app.test_client()
    for c in (first, second):
        c.environ_base["REMOTE_ADDR"] = PROXY  # both arrive through the same nginx
    assert [wrong_code(first, "203.0.113.1").status_code for _ in range(10)] == [200] * 10
    assert wrong_code(first, "203.0.113.1").status_code == 429
    # Another citizen behind the same proxy is not punished for the first one's attempts...
    assert wrong_code(second, "203.0.113.2").status_code == 200
    # ...and the first cannot escape by prepending a made-up address: only the proxy's last hop counts.
    assert wrong_code(first, "192.0.2.99, 203.0.113.1").status_code == 429


@pytest.mark.parametrize("app_settings_extra", [{"trusted_proxies": 1}])
def test_login_throttle_follows_the_forwarded_client(app_settings, app_settings_extra, app, make_user):
    make_user(username="officer1")
    attacker, officer = app.test_client(), app.test_client()
    for c in (attacker, officer):
        c.environ_base["REMOTE_ADDR"] = PROXY

    def login(c, who, username, password):
        page = c.get("/staff/login", headers={"X-Forwarded-For": who}).get_data(as_text=True)
        return c.post("/staff/login", data={"csrf_token": csrf_token(page), "username": username,
                                            "password": password}, headers={"X-Forwarded-For": who})
    # Twenty wrong logins for twenty made-up names lock the attacker's client out...
    for i in range(20):
        login(attacker, "203.0.113.66", f"nobody{i}", "wrong password 1")
    assert login(attacker, "203.0.113.66", "nobody99", "wrong password 1").status_code == 429
    # ...while the officer behind the same proxy still signs in.
    from ..factories import PASSWORD
    resp = login(officer, "203.0.113.5", "officer1", PASSWORD)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/staff/")


def test_trusted_proxies_is_a_typed_setting(tmp_path):
    assert load_settings({}, instance_path=tmp_path).trusted_proxies == 0
    assert load_settings({"TIPLINE_TRUSTED_PROXIES": "2"}, instance_path=tmp_path).trusted_proxies == 2
    with pytest.raises(ConfigError, match="TIPLINE_TRUSTED_PROXIES"):
        load_settings({"TIPLINE_TRUSTED_PROXIES": "one"}, instance_path=tmp_path)


def test_direct_clients_keep_separate_buckets(client, app):
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "203.0.113.8"
    client.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    for _ in range(10):
        open_status(client, "0000000000000000")
    assert open_status(client, "0000000000000000").status_code == 429
    assert open_status(other, "0000000000000000").status_code == 200
