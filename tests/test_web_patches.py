"""What tipline.web patches in WTForms and Flask-WTF is still there, and still used, in the installed versions.

web.py replaces three things inside the form libraries for speed:

- `flask_wtf.i18n._get_translations`: Flask-WTF's per-request lookup of WTForms' own messages, replaced by
  one cached catalogue per locale (`web._wtforms_translations`);
- `html_params` in `wtforms.widgets.core`, `wtforms.widgets` and on the widget classes that keep their own
  reference (`web.use_fast_html_params`);
- `web.CachedOptionsSelect` renders a `Select` once and edits the selection into the cached text, so it
  depends on how `Select` lays out its options.

An upgrade that renames, moves or binds any of these differently would leave the patch doing nothing (or
rendering wrong) without an error anywhere else. Each test names the patch it guards; when one fails, read
the new library source and adapt web.py (or drop the patch) before moving the version in constraints.txt.
"""
from __future__ import annotations

import inspect
from typing import Any

import flask_wtf.i18n
import pytest
import wtforms
import wtforms.fields
import wtforms.i18n
import wtforms.widgets
import wtforms.widgets.core
from flask_wtf import FlaskForm
from markupsafe import Markup

from tipline import web


def _broken(patch: str, what: str) -> str:
    return f"tipline.web patch {patch!r} no longer fits the installed library: {what}"


# -- flask_wtf.i18n._get_translations ----------------------------------------------------------------------

PATCH_I18N = "flask_wtf.i18n._get_translations"


def test_flask_wtf_still_has_the_translations_lookup_we_replace():
    original = getattr(flask_wtf.i18n, "_get_translations", None)
    assert callable(original), _broken(PATCH_I18N, "flask_wtf.i18n has no _get_translations any more")
    assert not inspect.signature(original).parameters, _broken(
        PATCH_I18N, f"_get_translations now takes arguments {inspect.signature(original)}")


def test_flask_wtf_looks_the_translations_up_at_call_time(monkeypatch):
    """Flask-WTF's Translations must call the module's _get_translations each time (not a reference taken
    at import), and call ugettext/ungettext on what it returns: web's catalogue must offer those."""

    class Marked:
        def ugettext(self, s):
            return f"patched:{s}"

        def ungettext(self, singular, plural, n):
            return f"patched:{singular if n == 1 else plural}"

    monkeypatch.setattr(flask_wtf.i18n, "_get_translations", Marked)
    assert flask_wtf.i18n.translations.gettext("x") == "patched:x", _broken(
        PATCH_I18N, "Translations.gettext no longer goes through the module's _get_translations")
    assert flask_wtf.i18n.translations.ngettext("one", "many", 2) == "patched:many", _broken(
        PATCH_I18N, "Translations.ngettext no longer goes through the module's _get_translations")


def test_flask_forms_get_their_messages_from_flask_wtf_translations(app):
    with app.test_request_context("/"):
        assert flask_wtf.i18n._get_translations is web._wtforms_translations, _broken(
            PATCH_I18N, "create_app did not install web._wtforms_translations")
        form = FlaskForm()
        assert form.meta.get_translations(form) is flask_wtf.i18n.translations, _broken(
            PATCH_I18N, "FlaskForm.Meta.get_translations no longer returns flask_wtf.i18n.translations")


def test_our_catalogue_answers_what_flask_wtf_calls(app):
    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        catalogue = web._wtforms_translations()
        for name in ("ugettext", "ungettext"):
            assert callable(getattr(catalogue, name, None)), _broken(
                PATCH_I18N, f"babel's Translations has no {name}, which Flask-WTF calls")
        # Read from wtforms.i18n.messages_path(): a moved catalogue would leave every message in English.
        assert catalogue.ugettext("This field is required.") != "This field is required.", _broken(
            PATCH_I18N, f"no Chinese WTForms catalogue under wtforms.i18n.messages_path() "
                        f"({wtforms.i18n.messages_path()})")


# -- html_params ---------------------------------------------------------------------------------------------

PATCH_HTML = "wtforms.widgets.core.html_params (use_fast_html_params)"


def test_html_params_is_where_we_replace_it():
    for module in (wtforms.widgets.core, wtforms.widgets):
        assert callable(getattr(module, "html_params", None)), _broken(
            PATCH_HTML, f"{module.__name__} has no html_params any more")
    params = list(inspect.signature(web.ORIGINAL_HTML_PARAMS).parameters.values())
    assert [p.kind for p in params] == [inspect.Parameter.VAR_KEYWORD], _broken(
        PATCH_HTML, f"WTForms' html_params now has the signature {inspect.signature(web.ORIGINAL_HTML_PARAMS)}")
    # Our version cleans keys with WTForms' own clean_key; its rules are part of the output.
    assert [wtforms.widgets.core.clean_key(k) for k in ("class_", "data_a_b", "aria_label", "x_y")] == \
        ["class", "data-a-b", "aria-label", "x_y"], _broken(PATCH_HTML, "wtforms.widgets.core.clean_key changed")


class _Sub(wtforms.Form):
    inner = wtforms.fields.StringField()


class _EveryField(wtforms.Form):
    """One field of each kind WTForms ships (FieldList aside: it renders nothing of its own)."""

    string = wtforms.fields.StringField()
    password = wtforms.fields.PasswordField()
    hidden = wtforms.fields.HiddenField()
    text = wtforms.fields.TextAreaField()
    boolean = wtforms.fields.BooleanField()
    radio = wtforms.fields.RadioField(choices=[("a", "A"), ("b", "B")])
    select = wtforms.fields.SelectField(choices={"G": [("a", "A")], "H": [("b", "B")]})
    multiple = wtforms.fields.SelectMultipleField(choices=[("a", "A")])
    file = wtforms.fields.FileField()
    files = wtforms.fields.MultipleFileField()
    submit = wtforms.fields.SubmitField()
    button = wtforms.fields.ButtonField()
    search = wtforms.fields.SearchField()
    tel = wtforms.fields.TelField()
    url = wtforms.fields.URLField()
    email = wtforms.fields.EmailField()
    color = wtforms.fields.ColorField()
    integer = wtforms.fields.IntegerField()
    decimal = wtforms.fields.DecimalField()
    float_ = wtforms.fields.FloatField()
    integer_range = wtforms.fields.IntegerRangeField()
    decimal_range = wtforms.fields.DecimalRangeField()
    date = wtforms.fields.DateField()
    datetime_local = wtforms.fields.DateTimeLocalField()
    time = wtforms.fields.TimeField()
    month = wtforms.fields.MonthField()
    week = wtforms.fields.WeekField()
    sub = wtforms.fields.FormField(_Sub)


@pytest.fixture
def marked_html_params():
    """Install a marker where use_fast_html_params installs ours; put back what was there after."""
    before = wtforms.widgets.core.html_params

    def marker(**kwargs):
        return Markup('data-marked="1"')

    web.use_fast_html_params(marker)
    try:
        yield
    finally:
        web.use_fast_html_params(before)


def test_every_widget_and_label_renders_through_the_installed_html_params(marked_html_params):
    """A widget that bound html_params at import (or a new module WTForms renders from) would keep using
    WTForms' slow version: every field and every label must show the marker installed in its place."""
    form = _EveryField()
    missing = [f"{field.name} ({type(field.widget).__name__})" for field in form
               if 'data-marked="1"' not in str(field())]
    missing += [f"{field.name} label" for field in form if 'data-marked="1"' not in str(field.label())]
    assert not missing, _broken(PATCH_HTML, "rendered without the installed html_params: " + ", ".join(missing))


def test_classes_keeping_their_own_html_params_are_all_patched(marked_html_params):
    holders: list[Any] = [cls for cls in vars(wtforms.widgets.core).values()
               if isinstance(cls, type) and "html_params" in vars(cls)]
    assert holders, _broken(PATCH_HTML, "no widget class keeps html_params any more: check how inputs render")
    stale = [cls.__name__ for cls in holders if cls.html_params is not wtforms.widgets.core.html_params]
    assert not stale, _broken(PATCH_HTML, f"not replaced on {stale}")


# -- CachedOptionsSelect ---------------------------------------------------------------------------------------

PATCH_SELECT = "web.CachedOptionsSelect (renders wtforms.widgets.Select once)"


class _Choice(wtforms.Form):
    plain = wtforms.fields.SelectField(choices=[("", "-"), ("a", "A & a"), ("b", 'B "b"')])
    grouped = wtforms.fields.SelectField(choices={"G1": [("a", "A")], "G2": [("b", "B"), ("c", "C")]})


@pytest.mark.parametrize("name", ["plain", "grouped"])
@pytest.mark.parametrize("value", [None, "a", "b"])
def test_select_layout_the_cache_relies_on(name, value):
    """The cache cuts the body out between the first '>' and the last '</select>', and marks the current
    value by turning '<option value="v">' into '<option selected value="v">': both must match Select's
    own output, for flat and grouped choices. (The empty value is left unmarked by the cache, unlike
    Select; the browser shows the first option either way, which is the empty one where it exists.)"""
    field = _Choice(data={name: value})[name]
    theirs = str(wtforms.widgets.Select()(field))
    assert theirs.startswith("<select ") and theirs.endswith("</select>"), _broken(
        PATCH_SELECT, f"Select no longer renders one <select>...</select>: {theirs[:80]}")
    if value:
        assert f'<option selected value="{value}">' in theirs, _broken(
            PATCH_SELECT, f"the selected option is no longer written as <option selected value=...>: {theirs}")
    ours = str(web.CachedOptionsSelect()(field))
    assert ours == theirs, _broken(PATCH_SELECT, f"cached rendering differs:\n{ours}\n{theirs}")
