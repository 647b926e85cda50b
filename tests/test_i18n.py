"""Templates' `_()`: the kept translations read exactly as Flask-Babel's own callable renders them."""
from __future__ import annotations

import pytest
from flask import render_template_string
from flask_babel import get_translations
from jinja2.ext import _make_new_gettext

from tipline import i18n

TEMPLATE = (
    '{{ _("Triage queue") }}|{{ gettext("Sign out") }}|{{ _("Skip to content") }}|'
    '{{ _("%(name)s <b>said</b>", name="<i>me</i>") }}|{{ _("100%% sure") }}|'
    '{% trans who="<b>x</b>" %}Hello {{ who }}{% endtrans %}|'
    '{% autoescape false %}{{ _("a & b %(x)s", x="<&>") }}|{{ _("Triage queue") }}{% endautoescape %}'
)


@pytest.mark.parametrize("lang,translated", [("zh", "待分办线索"), ("en", "Triage queue")])
def test_kept_translations_render_as_flask_babel_does(app, lang, translated):
    env = app.jinja_env
    assert env.globals["_"] is i18n.template_gettext and env.globals["gettext"] is i18n.template_gettext
    with app.test_request_context("/", headers={"Cookie": f"{i18n.LOCALE_COOKIE}={lang}"}):
        first = render_template_string(TEMPLATE)
        again = render_template_string(TEMPLATE)  # now from the kept texts
        babels = _make_new_gettext(lambda s: get_translations().ugettext(s))
        env.globals.update(gettext=babels, _=babels)
        try:
            theirs = render_template_string(TEMPLATE)
        finally:
            env.globals.update(gettext=i18n.template_gettext, _=i18n.template_gettext)
    assert first == again == theirs
    assert first.startswith(translated + "|")
    assert "&lt;i&gt;me&lt;/i&gt;" in first and "100% sure" in first and "&lt;b&gt;x&lt;/b&gt;" in first
    assert first.endswith("a & b <&>|" + translated)  # no escaping where autoescape is off


def test_each_language_keeps_its_own_texts(client):
    zh = client.get("/staff/login").get_data(as_text=True)
    client.set_cookie(i18n.LOCALE_COOKIE, "en")
    en = client.get("/staff/login").get_data(as_text=True)
    client.set_cookie(i18n.LOCALE_COOKIE, "zh")
    zh_again = client.get("/staff/login").get_data(as_text=True)
    assert "跳到正文" in zh and "Skip to content" in en and "跳到正文" in zh_again
    assert "Skip to content" not in zh_again
