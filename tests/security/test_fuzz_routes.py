"""Every route, hostile path and query parameters: never a 5xx, for anyone (issue 19).

For each rule in the app's URL map, hypothesis fills each path variable with a number (real ids of
the world, 0, huge values past any column's range such as 99999999999999999999), or text (control
characters, unicode, SQL, percent signs...), and adds query parameters named like the ones the pages
read (page, year, q, division, after, from, to, sort, ...) or at random, with hostile values. It sends
them as an anonymous visitor, as a signed-in reporter and as staff of several roles, GET and POST
(POST without a CSRF token: the routing and converters run first). Any status >= 500 fails.
"""
from __future__ import annotations

import re
from urllib.parse import quote, urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from . import world as w

FUZZ = settings(max_examples=12, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])

HUGE = [2**31, 2**31 - 1, 2**32, 2**63 - 1, 2**63, 2**64, 99999999999999999999, 10**40]
PARAM_NAMES = ["page", "year", "q", "division", "category", "after", "from", "to", "mine", "next",
               "identity_reason", "channel", "state", "entity", "due", "sort", "status", "fmt", "lang",
               "division_code", "kind", "id", "tip", "version", "limit", "offset"]
ODD_TEXT = ["", "-1", "0", "1e9", "NaN", "inf", "１２", "2026-02-30", "9999-12-31", "0000-00-00", "2026-13-01",
            "%00", "\x00", "../../etc/passwd", "' OR 1=1 --", "<script>", "9" * 30, "-" + "9" * 30,
            "cursor:abc", "MTIz", "AAAA====", "a,b", "410105", "410000", "999999", "true", "[]", "{}",
            "１２３４５６７８９０１２３４５６"]

text_value = st.one_of(st.sampled_from(ODD_TEXT), st.text(max_size=30),
                       st.integers(-10**30, 10**30).map(str))


def _path_values(world):
    ids = [world.tip_id, world.file_id, world.case_id, world.entity_id, world.reward_id, world.mail_id,
           world.spare_user_id, world.hold_id or 1, 0, 1]
    return st.one_of(st.sampled_from(ids + HUGE).map(str), st.integers(0, 10**30).map(str), text_value,
                     st.sampled_from(["cases", "statistics", "rewards", "inspection-plan", "csv", "xlsx",
                                      "disable", "enable", "reset-2fa", "js/app.js", "zh", "en"]))


def _rules(app):
    return sorted({(r.rule, m) for r in app.url_map.iter_rules() for m in r.methods - {"HEAD", "OPTIONS"}})


VAR = re.compile(r"<[^>]+>")


def test_no_route_answers_5xx_to_malformed_paths_or_queries(app, session, clock):
    world = w.build(app, session, clock)
    clients = {
        "anonymous": w.new_client(app),
        "reporter": w.reporter_client(app, world.receipt),
        **{name: w.staff_client(app, name) for name in ("prov0", "admin0", "aud0", "fin105", "sup105")},
    }
    seen: dict[tuple[str, str], set[int]] = {}

    def send(who: str, method: str, url: str, rule: str):
        c = clients[who]
        c.environ_base["REMOTE_ADDR"] = w.fresh_addr()  # rate limits are not what is tested here
        resp = c.open(url, method=method)
        assert resp.status_code < 500, (resp.status_code, method, url, who)
        seen.setdefault((rule, method), set()).add(resp.status_code)

    # Every rule, every client: each path variable huge or odd (a sweep, so no rule is left to chance).
    for rule, method in _rules(app):
        for value in [str(v) for v in HUGE] + ["-1", "1.5", "%00", "abc"] if VAR.search(rule) else [""]:
            url = VAR.sub(lambda _m, value=value: quote(value, safe=""), rule)
            for who in clients:
                send(who, method, url, rule)

    # Then per rule, hypothesis: path values and query parameters together.
    values = _path_values(world)
    query = st.lists(st.tuples(st.one_of(st.sampled_from(PARAM_NAMES), st.text(max_size=8)), text_value), max_size=4)
    def fuzzer(rule: str, method: str):  # one test per rule, each bound to its own rule and method
        @FUZZ
        @given(data=st.data())
        def run(data):
            who = data.draw(st.sampled_from(sorted(clients)), label="client")
            path = VAR.sub(lambda _m: quote(data.draw(values, label="path value"), safe=""), rule)
            params = data.draw(query, label="query")
            send(who, method, path + ("?" + urlencode(params) if params else ""), rule)
        return run

    for rule, method in _rules(app):
        fuzzer(rule, method)()
    # The fuzzing reached the pages, not only the router's 404: many rules answered a normal page.
    assert sum(1 for codes in seen.values() if codes & {200, 302}) >= 30, seen


def test_huge_ids_are_404_not_500(app, session, clock):
    world = w.build(app, session, clock)
    staff = w.staff_client(app, "prov0")
    for url in ("/staff/tips/99999999999999999999", "/staff/tips/2147483648", f"/staff/tips/{world.tip_id}/files/"
                "99999999999999999999", "/staff/cases/9223372036854775808", "/staff/rewards/18446744073709551616",
                "/staff/entities/99999999999999999999", "/staff/mail/99999999999999999999/raw"):
        assert staff.get(url).status_code == 404, url
    assert staff.get(f"/staff/tips/{world.tip_id}").status_code == 200
    assert staff.get("/staff/tips/2147483647").status_code == 404  # the largest id a column holds: none such
