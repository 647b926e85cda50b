"""A real Dovecot IMAP server and a real SMTP sink (aiosmtpd) on loopback ports, per test, and
thirty-odd messages as reporters' mail clients, mailing lists and mail servers send them.

Dovecot refuses to run mail processes as root, so the mailboxes belong to `nobody` and live in a
directory under /tmp that the unprivileged login and mail processes can reach (pytest's tmp_path
sits under a 0700 directory); the log goes to tmp_path.
"""
from __future__ import annotations

import base64
import contextlib
import imaplib
import io
import os
import pwd
import quopri
import re
import shutil
import ssl
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import cast

import pytest

from ...conftest import free_port  # noqa: F401  (shared with other suites)

DOVECOT = "/usr/sbin/dovecot"
USER, PASSWORD = "tipline", "imap-test-password"


@dataclass
class TLSFiles:
    """What a Dovecot with TLS needs: its certificate and key (PEM files), the CA that signed the
    certificate (for the fixture's own clients), the implicit-TLS port and the addresses it listens on."""
    cert: Path
    key: Path
    ca: Path
    imaps_port: int
    imaps_addresses: tuple[str, ...] = ("127.0.0.1",)


def _ssl_settings(tls: TLSFiles | None) -> str:
    if tls is None:
        return "ssl = no"
    # Dovecot counts a connection whose remote and local address are the same (127.0.0.1 to itself)
    # as secured and lets it log in without TLS even with `ssl = required`, so the login log names
    # the port and says TLS or secured: DovecotTLS.logins reads it.
    return (f"ssl = required\nssl_cert = <{tls.cert}\nssl_key = <{tls.key}\nssl_min_protocol = TLSv1.2\n"
            "login_log_format_elements = user=<%u> method=%m rip=%r lip=%l lport=%{lport} mpid=%e %c "
            "session=<%{session}>")


def _imaps_listener(tls: TLSFiles | None) -> str:
    if tls is None:
        return "port = 0"
    return f"address = {', '.join(tls.imaps_addresses)}\n    port = {tls.imaps_port}\n    ssl = yes"


def _config(root: Path, log: Path, port: int, tls: TLSFiles | None = None) -> str:
    return f"""protocols = imap
listen = 127.0.0.1
{_ssl_settings(tls)}
disable_plaintext_auth = no
auth_mechanisms = plain login
base_dir = {root}/run
state_dir = {root}/state
log_path = {log}
info_log_path = {log}
default_internal_user = dovecot
default_internal_group = dovecot
default_login_user = dovenull
mail_uid = nobody
mail_gid = nogroup
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/users
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    {_imaps_listener(tls)}
  }}
}}
service anvil {{
  chroot =
}}
"""


class Dovecot:
    def __init__(self, port: int):
        self.host, self.port = "127.0.0.1", port

    def connect(self) -> imaplib.IMAP4:
        conn = imaplib.IMAP4(self.host, self.port, timeout=10)
        conn.login(USER, PASSWORD)
        conn.select("INBOX")
        return conn

    def append(self, *messages: bytes) -> None:
        conn = self.connect()
        try:
            for raw in messages:
                typ, _ = conn.append("INBOX", None, None, raw)
                assert typ == "OK"
        finally:
            conn.logout()


class DovecotTLS(Dovecot):
    """Dovecot with `ssl = required`: `port` answers STARTTLS, `imaps_port` implicit TLS. The
    fixture's own connections (append, ...) use implicit TLS and trust `ca`."""

    def __init__(self, port: int, tls: TLSFiles, log: Path):
        super().__init__(port)
        self.imaps_port, self.ca, self.log = tls.imaps_port, tls.ca, log

    def logins(self, port: int, wait: float = 5) -> list[str]:
        """How each login on `port` was protected, in order: "TLS", or "secured"/"" for none.
        Waits up to `wait` seconds for the first one (Dovecot's log process writes asynchronously)."""
        deadline = time.monotonic() + wait
        while True:
            text = self.log.read_text() if self.log.exists() else ""
            found = re.findall(rf"imap-login: Info: Login: .*, lport={port}, mpid=\d+, (.*?)session=", text)
            if found or time.monotonic() > deadline:
                return [f.rstrip(", ") for f in found]
            time.sleep(0.05)

    def connect(self) -> imaplib.IMAP4:
        context = ssl.create_default_context(cafile=str(self.ca))
        conn = imaplib.IMAP4_SSL(self.host, self.imaps_port, ssl_context=context, timeout=10)
        conn.login(USER, PASSWORD)
        conn.select("INBOX")
        return conn


@contextlib.contextmanager
def running_dovecot(tmp_path: Path, tls: TLSFiles | None = None):
    """A Dovecot of this test's own, stopped and removed on exit; with `tls`, a DovecotTLS."""
    if not os.path.exists(DOVECOT):
        pytest.fail("dovecot-imapd is not installed: apt-get install -y dovecot-imapd", pytrace=False)
    root = Path(tempfile.mkdtemp(prefix="tl-dovecot-"))
    os.chmod(root, 0o755)  # noqa: S103 - dovecot's mail user (nobody) must enter this test-only directory
    nobody = pwd.getpwnam("nobody")
    (root / "mail").mkdir()
    os.chown(root / "mail", nobody.pw_uid, nobody.pw_gid)
    (root / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::{root}/mail/{USER}::\n")
    port = free_port()
    while tls is not None and port == tls.imaps_port:
        port = free_port()
    conf = tmp_path / "dovecot.conf"
    conf.write_text(_config(root, tmp_path / "dovecot.log", port, tls))
    proc = subprocess.Popen([DOVECOT, "-F", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    server = Dovecot(port) if tls is None else DovecotTLS(port, tls, tmp_path / "dovecot.log")
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                server.connect().logout()
                break
            except (OSError, imaplib.IMAP4.error) as exc:
                if time.monotonic() > deadline or proc.poll() is not None:
                    log_file = tmp_path / "dovecot.log"
                    raise RuntimeError("dovecot did not start: "
                                       + (log_file.read_text() if log_file.exists() else "no log")) from exc
                time.sleep(0.1)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def dovecot(tmp_path):
    with running_dovecot(tmp_path) as server:
        yield server


@pytest.fixture
def mail_app(app_settings, dovecot, smtp_sink, request):
    """The app configured for the test's Dovecot and SMTP sink."""
    app_settings.update(imap_host=dovecot.host, imap_port=dovecot.port, imap_user=USER, imap_password=PASSWORD,
                        imap_security="none", mail_server="127.0.0.1", mail_port=smtp_sink.port,
                        mail_sender="jubao@scjg.henan.example", public_url="https://jubao.example.cn")
    return request.getfixturevalue("app")


@pytest.fixture
def poll(mail_app, clock):
    """Run one poll as the scheduler would; returns the counts."""
    from tipline.extensions import db
    from tipline.intake.email.poll import poll_mailbox

    def run():
        divisions = mail_app.extensions["divisions"]
        return poll_mailbox(db.factory, clock(), mail_app.config["TIPLINE"], mail_app.extensions["evidence_store"],
                            lambda c: c in divisions)
    return run


# --- the corpus ----------------------------------------------------------------------


@dataclass
class Case:
    name: str
    raw: bytes
    expect: str  # tip | manual | duplicate | automatic (machine mail: kept, never a tip)
    contains: list[str] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)
    ack: bool = False
    sender: str = ""


def ew(text: str, charset: str, enc: str = "B") -> str:
    data = text.encode(charset)
    if enc == "B":
        return f"=?{charset}?B?{base64.b64encode(data).decode()}?="
    return f"=?{charset}?Q?{quopri.encodestring(data, header=True).decode()}?="


def raw(headers: list, body: bytes) -> bytes:
    lines = [h if isinstance(h, bytes) else h.encode() for h in headers]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def png(color="red") -> bytes:
    from PIL import Image
    out = io.BytesIO()
    Image.new("RGB", (8, 8), color).save(out, "PNG")
    return out.getvalue()


def simple(n: int, subject_header: str, body: bytes, charset: str, cte: str = "8bit", extra=(), msgid=True) -> bytes:
    headers = [f"From: Reporter {n} <reporter{n}@example.cn>", "To: jubao@scjg.henan.example",
               f"Subject: {subject_header}", "Date: Mon, 02 Mar 2026 09:00:00 +0800", "MIME-Version: 1.0",
               f"Content-Type: text/plain; charset={charset}", f"Content-Transfer-Encoding: {cte}", *extra]
    if msgid:
        headers.insert(0, f"Message-ID: <case{n}.20260302@mail.example.cn>")
    return raw(headers, body)


def b64(text: str, charset: str) -> bytes:
    return base64.encodebytes(text.encode(charset))


def qp(text: str, charset: str) -> bytes:
    return quopri.encodestring(text.encode(charset))


def message(n: int, subject: str, **kwargs) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = f"Reporter {n} <reporter{n}@example.cn>"
    msg["To"] = "jubao@scjg.henan.example"
    msg["Subject"] = subject
    msg["Message-ID"] = f"<case{n}.20260302@mail.example.cn>"
    return msg


def cases() -> list[Case]:
    c: list[Case] = []

    def add(n, raw_bytes, expect="tip", contains=(), ack=True, **kw):
        c.append(Case(f"case{n}", raw_bytes, expect, list(contains), ack=ack and expect == "tip",
                      sender=f"reporter{n}@example.cn", **kw))

    t1 = "郑州某超市销售过期牛奶，生产日期2025年1月，已过保质期三个月。"
    add(1, simple(1, ew("食品安全举报：过期牛奶", "utf-8"), t1.encode(), "utf-8"),
        contains=["食品安全举报：过期牛奶", t1])
    t2 = "某饭店无证经营，老板名叫王喆，后厨卫生很差。"
    add(2, simple(2, ew("无证经营举报喆", "gbk").replace("gbk", "gb2312"), b64(t2, "gbk"), "gb2312", "base64"),
        contains=["无证经营举报喆", t2])
    t3 = "药店销售假药，药名含生僻字㐀，请查处此事谢谢。"
    add(3, simple(3, ew("假药", "gb18030"), t3.encode("gb18030"), "gb18030"), contains=["假药", t3])
    t4 = "該公司在網路上發布虛假廣告，宣稱產品可以治療癌症。"
    add(4, simple(4, ew("檢舉虛假廣告", "big5"), qp(t4, "big5"), "big5", "quoted-printable"),
        contains=["檢舉虛假廣告", t4])
    t5 = "商场标价99元结账时收取199元，存在价格欺诈行为。"
    add(5, simple(5, ew("价格欺诈", "utf-8", "Q"), qp(t5, "utf-8"), "utf-8", "quoted-printable"),
        contains=["价格欺诈", t5])
    t6 = "加油站加油机作弊，每升少给约百分之五的油量。"
    add(6, simple(6, ew("加油站作弊", "gbk"), b64(t6, "gbk"), '"GBK"', "base64"), contains=["加油站作弊", t6])
    html7 = ("<html><head><style>p{color:red}</style><script>alert('x')</script></head><body>"
             "<p>网吧接纳未成年人上网，每天晚上都有很多学生。</p><p>地址：金水路&amp;花园路口</p></body></html>")
    m = message(7, "网吧")
    m.set_content(html7, subtype="html")
    add(7, m.as_bytes(), contains=["网吧接纳未成年人上网", "金水路&花园路口"], absent=["alert", "color:red"])
    m = message(8, "医美")
    m.set_content("美容院使用无资质人员进行医疗美容项目。")
    m.add_alternative("<p>HTML版本的内容</p>", subtype="html")
    add(8, m.as_bytes(), contains=["美容院使用无资质人员进行医疗美容项目。"], absent=["HTML版本"])
    m = message(9, "变质猪肉")
    m.set_content("超市出售变质猪肉，附现场照片一张，请核实。")
    m.add_attachment(png(), maintype="image", subtype="png", filename="现场照片.png")
    add(9, m.as_bytes(), contains=["超市出售变质猪肉"], attachments=["现场照片.png"])
    t10 = "请看附件中的举报材料，涉及一家无证诊所。"
    att = "诊所地址：郑州市二七区某路88号\n坐诊人员无医师资格证。\n".encode("gbk")
    add(10, raw(["Message-ID: <case10@foxmail.example>", "From: reporter10@example.cn",
                 "Subject: " + ew("无证诊所", "gbk"), "MIME-Version: 1.0",
                 'Content-Type: multipart/mixed; boundary="BB"'],
                b"--BB\nContent-Type: text/plain; charset=gb2312\nContent-Transfer-Encoding: base64\n\n"
                + b64(t10, "gbk")
                + b"--BB\nContent-Type: application/octet-stream; name=\"" + ew("举报材料.txt", "gbk").encode()
                + b"\"\nContent-Disposition: attachment; filename=\"" + ew("举报材料.txt", "gbk").encode()
                + b"\"\nContent-Transfer-Encoding: base64\n\n" + base64.encodebytes(att) + b"--BB--\n"),
        contains=[t10], attachments=["举报材料.txt"])
    m = message(11, "缺斤短两")
    m.set_content("<p>商家缺斤短两，电子秤被改装，见下图。</p><img src='cid:img1'>", subtype="html")
    m.add_related(png("blue"), maintype="image", subtype="png", cid="<img1>")
    add(11, m.as_bytes(), contains=["商家缺斤短两"], attachments=["inline-1.png"])
    inner = message(99, "原始举报")
    inner.replace_header("From", "friend@example.net")
    inner.set_content("化工厂夜间偷排污水，气味刺鼻，影响周边居民。")
    m = message(12, "Fwd: 原始举报")
    m.set_content("转发一封朋友的举报信，请处理。")
    m.add_attachment(inner)
    add(12, m.as_bytes(), contains=["转发一封朋友的举报信", "原始举报", "化工厂夜间偷排污水"])
    m = message(13, "培训机构")
    m.set_content("培训机构收费后拒不退款，涉及金额五万元。")
    m.add_alternative("<p>培训机构收费后拒不退款（HTML）</p><img src='cid:logo'>", subtype="html")
    parts = cast(list[EmailMessage], m.get_payload())  # multipart after add_alternative: a list of parts
    parts[1].add_related(png("green"), maintype="image", subtype="png", cid="<logo>")
    m.add_attachment(png("white"), maintype="image", subtype="png", filename="收据.png")
    add(13, m.as_bytes(), contains=["培训机构收费后拒不退款，涉及金额五万元。"], absent=["（HTML）"],
        attachments=["inline-1.png", "收据.png"])
    t14 = "快递公司擅自拆开包裹并丢失物品，拒绝赔偿。"
    add(14, simple(14, ew("快递", "utf-8"), t14.encode(), "utf-8", msgid=False), contains=[t14])
    c.append(Case("garbage", b"\xff\xfe\xfd garbage without any header \x80\x81\r\n\xc3\x28 more junk\r\n", "manual"))
    add(16, simple(16, "Auto: out of office", "我现在不在办公室，将于下周一回复您的邮件，谢谢理解。".encode(), "utf-8",
                   extra=["Auto-Submitted: auto-replied"]), expect="automatic", contains=["不在办公室"])
    add(17, simple(17, ew("新闻通讯", "utf-8"), "本周市场监管新闻通讯：多地开展食品安全专项检查。".encode(), "utf-8",
                   extra=["List-Id: <news.example.cn>"]), expect="automatic", contains=["新闻通讯"])
    bounce = raw(["Return-Path: <>", "Message-ID: <bounce1@mx.example.cn>", "From: MAILER-DAEMON@mx.example.cn",
                  "Subject: Undelivered Mail Returned to Sender", "Content-Type: text/plain; charset=us-ascii"],
                 b"This is the mail system at host mx.example.cn. I'm sorry to have to inform you that your message "
                 b"could not be delivered.\n")
    c.append(Case("bounce", bounce, "automatic", ["Undelivered Mail"], sender="mailer-daemon@mx.example.cn"))
    add(19, simple(19, ew("促销", "utf-8"), "促销广告：全场五折优惠，欢迎光临本店选购商品。".encode(), "utf-8",
                   extra=["Precedence: bulk"]), expect="automatic", contains=["全场五折"])
    add(20, simple(20, "hi", b"ok", "us-ascii"), expect="manual")
    t21 = "无照经营的黑作坊生产食品，卫生条件极差。"
    add(21, raw(["Message-ID: <case21@x>", "From: broken <<<@@>", "Date: not a date at all",
                 "Subject: =?utf-8?B?invalid base64!!?=", "Content-Type: text/plain; charset=utf-8; =broken;;"],
                t21.encode()), contains=[t21], ack=False)
    c[-1].sender = ""  # its From cannot be read
    t22 = "楼下饭店油烟机噪音很大，深夜仍在营业。"
    add(22, simple(22, "噪音扰民举报", t22.encode(), "utf-8"),
        contains=["噪音扰民举报", t22])
    t23 = "保健品公司虚假宣传，声称能治愈糖尿病。"
    add(23, raw([b"Message-ID: <case23@x>", b"From: reporter23@example.cn",
                 b"Subject: " + "虚假宣传举报".encode("gbk"), b"Content-Type: text/plain; charset=gbk"],
                t23.encode("gbk")), contains=["虚假宣传举报", t23])
    m = message(24, "盗版软件")
    m.set_content("这个网站销售盗版软件，附件是他们提供的下载文件。")
    m.add_attachment(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64
                     + b"PE\x00\x00" + b"\x00" * 200,
                     maintype="application", subtype="octet-stream", filename="setup.exe")
    add(24, m.as_bytes(), contains=["盗版软件", "setup.exe"], attachments=[])
    c.append(Case("exact-copy-of-1", c[0].raw, "duplicate"))
    c.append(Case("same-id-as-2", simple(2, "again", "同一封邮件再次发送，内容略有不同。".encode(), "utf-8"),
                  "duplicate"))
    t27 = "小区充电桩旁电动车电池起火，销售商家卖的是翻新电池。"
    add(27, simple(27, ew("电动车", "gbk") + " " + ew("电池起火", "utf-8"), t27.encode(), "utf-8"),
        contains=["电动车电池起火", t27])
    html28 = "<div>燃气灶&nbsp;漏气&lt;严重&gt;，厂家拒绝召回有缺陷的产品。</div>"
    add(28, raw(["Message-ID: <case28@x>", "From: reporter28@example.cn", "Subject: " + ew("燃气灶", "gb2312"),
                 "Content-Type: text/html; charset=gb2312", "Content-Transfer-Encoding: base64"], b64(html28, "gbk")),
        contains=["燃气灶 漏气<严重>"])
    t29 = "网店销售三无产品，没有厂名厂址和生产日期。"
    add(29, simple(29, "three-no products", t29.encode(), "unknown-8bit"), contains=[t29])
    add(30, simple(30, ew("长文本", "utf-8"), b64("长" * 30000, "utf-8"), "utf-8", "base64"), contains=["长长长"])
    m = message(31, "证据清单")
    m.set_content("附件为证据清单，请查收并核实。")
    att31 = "一、发票三张\n二、录音一段\n".encode("gbk")
    m.add_attachment(att31, maintype="text", subtype="plain", filename="placeholder.txt")
    add(31, raw_replace_filename(m.as_bytes(), "placeholder.txt", "证据清单.txt"),
        contains=["证据清单"], attachments=["证据清单.txt"])
    t32 = "理发店办卡后倒闭，老板联系不上，涉及会员上百人。"
    add(32, simple(32, ew("预付卡", "gb2312", "Q"), qp(t32, "gb2312"), "GB2312", "quoted-printable"),
        contains=["预付卡", t32])
    return c


def raw_replace_filename(data: bytes, ascii_name: str, name: str) -> bytes:
    """An RFC 2231 filename in GB2312, as some Chinese clients write it."""
    encoded = "".join(f"%{b:02X}" for b in name.encode("gb2312"))
    return data.replace(f'filename="{ascii_name}"'.encode(), f"filename*=gb2312''{encoded}".encode())
