"""tipline.web's faster html_params renders exactly what WTForms' own does."""
from __future__ import annotations

import wtforms.widgets
import wtforms.widgets.core
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from tipline import web

keys = st.sampled_from(["name", "id", "class_", "for_", "data_x_y", "aria_describedby", "aria-invalid", "required",
                        "value", "type", "placeholder", "rows", "x\"y", "a<b"])
values = st.one_of(st.booleans(), st.none(), st.integers(), st.text(max_size=30),
                   st.text(max_size=30).map(Markup), st.sampled_from(['"', "'", "<script>", "&amp;", '\x00']))


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(keys, values, max_size=8))
def test_same_output_as_wtforms(kwargs):
    ours, theirs = web.html_params(**kwargs), web.ORIGINAL_HTML_PARAMS(**kwargs)
    assert ours == theirs and isinstance(ours, Markup)


def test_the_report_form_renders_byte_for_byte_as_with_wtforms(app):
    """The whole public form (labels, inputs, radios, selects, errors) both ways."""
    with app.test_request_context("/report"):
        from tipline.intake.forms import ReportForm
        from tipline.intake.views import _prepare
        form = ReportForm()
        _prepare(form)
        form.entity_name.errors = ["<b>必填</b>"]

        def render():
            return "".join(str(f.label()) + str(f(**{"aria-invalid": "true", "class_": 'x"y'})) for f in form)
        # the app installed it everywhere WTForms looks it up
        assert wtforms.widgets.core.html_params is web.html_params
        assert wtforms.widgets.core.Input.html_params is web.html_params
        fast = render()
        try:
            web.use_fast_html_params(web.ORIGINAL_HTML_PARAMS)
            assert wtforms.widgets.core.TextInput.html_params is web.ORIGINAL_HTML_PARAMS
            slow = render()
        finally:
            web.use_fast_html_params()
    assert fast == slow and 'aria-invalid="true"' in fast and 'class="x&#34;y"' in fast


def test_fields_are_marked_invalid_only_when_they_are(client):
    """The field macro once passed None for "no error", which WTForms writes as aria-invalid="None":
    assistive technology reads any value but "false" as invalid, so every field was announced as
    wrong, and aria-describedby="None" pointed at nothing."""
    import re

    from tests.intake.helpers import submit

    for path in ("/report", "/status", "/staff/login"):
        page = client.get(path).get_data(as_text=True)
        assert '="None"' not in page, path
        assert "aria-invalid" not in page, path
    page = submit(client, entity_name="", description="太短").get_data(as_text=True)
    assert '="None"' not in page
    invalid = re.findall(r'<(?:input|textarea|select)[^>]*aria-invalid="true"[^>]*id="([^"]+)"', page)
    assert sorted(invalid) == ["description", "entity_name"]
    for target in re.findall(r'aria-describedby="([^"]+)"', page):
        assert f'id="{target}"' in page, target
