"""Staff sign-in, two-factor and account pages through the test client."""
from __future__ import annotations

import re

import pyotp

from ..conftest import csrf_token
from ..factories import PASSWORD


def _enrol(client, clock):
    page = client.get("/staff/account/2fa").get_data(as_text=True)
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    resp = client.post("/staff/account/2fa", data={"csrf_token": csrf_token(page),
                                                   "code": pyotp.TOTP(secret).at(clock())})
    return secret, resp


def test_login_logout_and_old_cookie_is_dead(client, make_user, login):
    make_user(username="wang", display_name="王")
    resp = login("wang")
    assert "欢迎您，王" in resp.get_data(as_text=True)
    cookie = client.get_cookie("tipline")
    page = client.get("/staff/").get_data(as_text=True)
    client.post("/staff/logout", data={"csrf_token": csrf_token(page)})
    # Replaying the cookie captured before logout does not get back in.
    client.set_cookie("tipline", cookie.value)
    resp = client.get("/staff/")
    assert resp.status_code == 302 and "/staff/login" in resp.headers["Location"]


def test_failed_login_says_the_same_for_unknown_and_wrong(client, make_user, login):
    make_user(username="li")
    a = login("li", "wrong password").get_data(as_text=True)
    b = login("nobody", "wrong password").get_data(as_text=True)
    assert "用户名或密码错误" in a and "用户名或密码错误" in b
    assert 'value="li"' in a  # what was typed is kept


def test_login_without_csrf_token_is_refused(client, make_user):
    make_user(username="zhao")
    resp = client.post("/staff/login", data={"username": "zhao", "password": PASSWORD})
    assert resp.status_code == 400
    assert client.get("/staff/").status_code == 302


def test_staff_pages_need_login(client):
    for path in ("/staff/", "/staff/account", "/staff/admin/users"):
        resp = client.get(path)
        assert resp.status_code == 302 and "/staff/login" in resp.headers["Location"]


def test_mandatory_2fa_enrolment_then_login_with_code(client, make_user, login, clock):
    make_user(username="sun", totp_required=True)
    resp = login("sun", follow=False)
    assert resp.status_code == 302
    resp = client.get("/staff/")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/staff/account/2fa")
    page = client.get("/staff/account/2fa").get_data(as_text=True)
    assert 'src="data:image/svg+xml;base64,' in page  # the QR code
    secret, resp = _enrol(client, clock)
    codes = re.findall(r"<code>(\d{5}-\d{5})</code>", resp.get_data(as_text=True))
    assert len(codes) == 10
    assert client.get("/staff/").status_code == 200

    client.post("/staff/logout", data={"csrf_token": csrf_token(client.get("/staff/").get_data(as_text=True))})
    resp = login("sun", follow=False)
    assert resp.headers["Location"].endswith("/staff/login/2fa")
    assert client.get("/staff/").status_code == 302  # password alone is not a login
    page = client.get("/staff/login/2fa").get_data(as_text=True)
    bad = client.post("/staff/login/2fa", data={"csrf_token": csrf_token(page), "code": "123456"})
    assert "验证码无效。请检查应用所在设备的时间后重试。" in bad.get_data(as_text=True)
    clock.advance(seconds=30)
    ok = client.post("/staff/login/2fa", data={"csrf_token": csrf_token(page),
                                               "code": pyotp.TOTP(secret).at(clock())}, follow_redirects=True)
    assert ok.status_code == 200 and "/staff/" == ok.request.path


def test_recovery_code_signs_in_once(client, make_user, login, clock):
    make_user(username="zhou")
    login("zhou")
    _, resp = _enrol(client, clock)
    code = re.findall(r"<code>(\d{5}-\d{5})</code>", resp.get_data(as_text=True))[0]
    for expected in ("/staff/", "/staff/login/2fa"):
        page = client.get("/staff/account").get_data(as_text=True)
        client.post("/staff/logout", data={"csrf_token": csrf_token(page)})
        login("zhou", follow=False)
        page = client.get("/staff/login/2fa").get_data(as_text=True)
        resp = client.post("/staff/login/2fa", data={"csrf_token": csrf_token(page), "code": code},
                           follow_redirects=True)
        assert resp.request.path == expected
        if expected == "/staff/login/2fa":
            break


def test_admin_creates_account_with_errors_beside_fields(client, make_user, login):
    make_user(username="root", role="admin", division_code="410000")
    login("root")
    page = client.get("/staff/admin/users").get_data(as_text=True)
    resp = client.post("/staff/admin/users", data={
        "csrf_token": csrf_token(page), "username": "root", "display_name": "新人", "email": "bad@",
        "role": "officer", "division_code": "410105", "password": "short"})
    html = resp.get_data(as_text=True)
    assert 'value="新人"' in html  # kept
    assert "至少" in html  # password length message
    assert "请输入有效的电子邮箱地址。" in html
    resp = client.post("/staff/admin/users", data={
        "csrf_token": csrf_token(page), "username": "newbie", "display_name": "新人", "email": "n@example.cn",
        "role": "officer", "division_code": "410105", "password": "long enough password", "require_2fa": "y"},
        follow_redirects=True)
    assert "newbie" in resp.get_data(as_text=True)


def test_non_admin_cannot_manage_accounts(client, make_user, login):
    make_user(username="plain")
    login("plain")
    assert client.get("/staff/admin/users").status_code == 403


def test_admin_disabling_account_ends_its_login(app, make_user, login):
    make_user(username="boss", role="admin", division_code="410000")
    victim = make_user(username="victim")
    other = app.test_client()
    page = other.get("/staff/login").get_data(as_text=True)
    other.post("/staff/login", data={"csrf_token": csrf_token(page), "username": "victim", "password": PASSWORD})
    assert other.get("/staff/").status_code == 200
    page = login("boss").get_data(as_text=True)
    page = login.client.get("/staff/admin/users").get_data(as_text=True)
    login.client.post(f"/staff/admin/users/{victim.id}/disable", data={"csrf_token": csrf_token(page)})
    resp = other.get("/staff/")
    assert resp.status_code == 302 and "/staff/login" in resp.headers["Location"]


def test_site_wide_mandatory_2fa(client, make_user, login):
    make_user(username="adm", role="admin", division_code="410000")
    make_user(username="off1")
    login("adm")
    page = client.get("/staff/admin/users").get_data(as_text=True)
    client.post("/staff/admin/settings/require-2fa", data={"csrf_token": csrf_token(page)})
    client.post("/staff/logout", data={"csrf_token": csrf_token(page)})
    login("off1", follow=False)
    resp = client.get("/staff/")
    assert resp.headers["Location"].endswith("/staff/account/2fa")
