"""The page check itself (pagecheck.py) finds what it is meant to find: otherwise a journey passing
it would prove nothing."""
from __future__ import annotations

from .pagecheck import PageChecker, Visit, path_shape, wrong_language

BROKEN = ("""<!doctype html><html lang="zh-CN"><head>"""
          """<meta name="viewport" content="width=device-width, initial-scale=1"><title>测试</title></head><body><main>
<h1>举报</h1><img src="/nothing.png"><form><input type="text" name="q"></form>
<p>tip.passphrase_set</p><p>已去除元数据：exif:gps,exif</p><p>joint finance approval: no</p>
<div style="width: 600px">宽</div></main></body></html>""")
FINE = ("""<!doctype html><html lang="zh-CN"><head><title>测试</title></head><body><main>
<h1>举报</h1><p>回执码 1234 5678，文件 现场照片.jpg，类型 image/jpeg，"""
        """规则 henan-2025，Tipline。</p></main></body></html>""")


def test_wrong_language_finds_raw_codes_and_english_on_chinese_pages():
    assert wrong_language(["时间线：tip.passphrase_set"], "zh")
    assert wrong_language(["已去除元数据：exif:gps,exif"], "zh")
    assert wrong_language(["需财务联合审批：joint finance approval"], "zh")
    assert wrong_language(["reporter"], "zh")
    assert wrong_language(["Timeline: tip.passphrase_set"], "en")  # a raw code is wrong in English too
    assert not wrong_language(["Messages from the reporter"], "en")
    assert not wrong_language(["文件 现场照片.jpg 类型 image/jpeg 规则 henan-2025 编号 T2026-000012"], "zh")
    assert not wrong_language(["退出登录 (jinshui)"], "zh", {"jinshui"})
    assert wrong_language(["退出登录 (jinshui)"], "zh")


def test_path_shape_checks_each_kind_of_page_once():
    assert path_shape("/staff/tips/12") == path_shape("/staff/tips/7") == "/staff/tips/N"
    assert path_shape("/staff/cases/3/actions") == "/staff/cases/N/actions"


def test_axe_and_the_phone_width_fail_a_broken_page_and_pass_a_fine_one(browser, live_server, tmp_path):
    checker = PageChecker(browser, tmp_path)
    try:
        problems = checker.check([Visit("GET", live_server.url + "/broken", 200, BROKEN)])
        text = "\n".join(problems)
        assert "axe image-alt (critical)" in text  # an image without alt
        assert "axe label (critical)" in text  # an input without a label
        assert "tip.passphrase_set" in text and "exif:gps" in text and "joint finance approval" in text
        assert "wider than a 390px phone" in text
        assert (tmp_path / "broken_GET_200-zh-390.png").exists()
        assert checker.check([Visit("GET", live_server.url + "/fine", 200, FINE)]) == []
    finally:
        checker.close()
