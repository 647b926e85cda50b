"""Tests for tipline.divisions (pure Python, no Flask, no conftest fixtures needed)."""
import copy
import dataclasses
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tipline.divisions import Division, DivisionError, Divisions, load_divisions  # noqa: E402

DATA_FILE = ROOT / "tipline" / "data" / "divisions_henan.json"


@pytest.fixture(scope="module")
def divs() -> Divisions:
    return load_divisions()


@pytest.fixture
def raw() -> dict:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def write(tmp_path, doc) -> Path:
    p = tmp_path / "bad.json"
    p.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return p


def test_packaged_file_loads_and_matches_explicit_path(divs):
    assert divs.province.code == "410000"
    assert divs.province.name_zh == "河南省"
    assert [d.code for d in load_divisions(DATA_FILE).all()] == [d.code for d in divs.all()]


def test_cities(divs):
    cities = divs.cities()
    assert len(cities) == 18
    assert [c.code for c in cities] == sorted(c.code for c in cities)
    names = {c.name_zh for c in cities}
    for n in "郑州 开封 洛阳 平顶山 安阳 鹤壁 新乡 焦作 濮阳 许昌 漯河 三门峡 南阳 商丘 信阳 周口 驻马店 济源".split():
        assert n + "市" in names
    assert divs.get("419001").level == "city"
    assert divs.counties("419001") == []


def test_county_counts(divs):
    counties = [d for d in divs.all() if d.level == "county"]
    assert 150 <= len(counties) <= 165
    assert sum(len(divs.counties(c.code)) for c in divs.cities()) == len(counties)
    zz = {d.code: d.name_zh for d in divs.counties("410100")}
    assert zz == {
        "410102": "中原区", "410103": "二七区", "410104": "管城回族区", "410105": "金水区",
        "410106": "上街区", "410108": "惠济区", "410122": "中牟县", "410181": "巩义市",
        "410182": "荥阳市", "410183": "新密市", "410184": "新郑市", "410185": "登封市",
    }


def test_no_placeholders_or_dev_zones(divs):
    codes = {d.code for d in divs.all()}
    assert not {"410101", "410171", "410172", "410173"} & codes
    assert all(not (d.level == "county" and d.code[4] == "7") for d in divs.all())


@pytest.mark.parametrize("code,zh,en", [
    ("410102", "中原区", "Zhongyuan District"),
    ("411702", "驿城区", "Yicheng District"),
    ("419001", "济源市", "Jiyuan"),
    ("410307", "偃师区", "Yanshi District"),
    ("410308", "孟津区", "Mengjin District"),
    ("410783", "长垣市", "Changyuan City"),
    ("411603", "淮阳区", "Huaiyang District"),
    ("410621", "浚县", "Xun County"),
])
def test_known_codes(divs, code, zh, en):
    d = divs.get(code)
    assert d is not None and d.name_zh == zh and d.name_en == en
    assert d.name("zh_CN") == zh and d.name("en") == en and d.name("en_US") == en


def test_removed_codes_absent(divs):
    assert "410306" not in divs  # 吉利区, merged into 孟津区 in 2021
    assert "410381" not in divs  # 偃师市, became 偃师区 in 2021
    assert "410322" not in divs  # 孟津县, became 孟津区 in 2021
    assert "410881" not in divs  # old 济源 code; now 419001
    assert divs.get("999999") is None


def test_city_of_and_is_within(divs):
    assert divs.city_of("410102").code == "410100"
    assert divs.city_of("410100").code == "410100"
    assert divs.city_of("419001").code == "419001"
    assert divs.city_of("410000") is None and divs.city_of("nope") is None
    assert divs.is_within("410102", "410102")
    assert divs.is_within("410102", "410100")
    assert divs.is_within("410102", "410000")
    assert divs.is_within("410100", "410000")
    assert divs.is_within("419001", "410000")
    assert not divs.is_within("410102", "410200")
    assert not divs.is_within("410100", "410102")
    assert not divs.is_within("410000", "410100")
    assert not divs.is_within("999999", "410000")
    assert not divs.is_within("410102", "999999")


def test_choices(divs):
    zh = divs.choices("zh")
    assert len(zh) == 18
    label, opts = zh[0]
    assert label == "郑州市"
    assert opts[0] == ("410100", "郑州市 (全市)")
    assert ("410102", "中原区") in opts and len(opts) == 13
    en = dict(divs.choices("en"))
    assert en["Jiyuan"] == [("419001", "Jiyuan (whole city)")]
    assert en["Zhumadian"][1] == ("411702", "Yicheng District")


def test_division_is_frozen() -> None:
    d = Division("410102", "中原区", "Zhongyuan District", "county", "410100")
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.code = "x"  # type: ignore[misc]


def test_duplicate_code(tmp_path, raw):
    raw["divisions"].append(copy.deepcopy(raw["divisions"][-1]))
    with pytest.raises(DivisionError, match="duplicate code"):
        load_divisions(write(tmp_path, raw))


def test_bad_parent(tmp_path, raw):
    row = next(r for r in raw["divisions"] if r["code"] == "410102")
    row["parent"] = "410199"
    with pytest.raises(DivisionError, match="410102.*not an existing city"):
        load_divisions(write(tmp_path, raw))


def test_county_outside_city_prefix(tmp_path, raw):
    row = next(r for r in raw["divisions"] if r["code"] == "410102")
    row["parent"] = "410200"
    with pytest.raises(DivisionError, match="410102.*must start with 4102"):
        load_divisions(write(tmp_path, raw))


def test_county_under_jiyuan_rejected(tmp_path, raw):
    raw["divisions"].append({"code": "419002", "name_zh": "假", "name_en": "Fake",
                             "level": "county", "parent": "419001"})
    with pytest.raises(DivisionError, match="419002"):
        load_divisions(write(tmp_path, raw))


@pytest.mark.parametrize("bad", ["41010", "4101020", "41010a", 410102, None])
def test_non_six_digit_code(tmp_path, raw, bad):
    row = next(r for r in raw["divisions"] if r["code"] == "410102")
    row["code"] = bad
    with pytest.raises(DivisionError, match="6-digit"):
        load_divisions(write(tmp_path, raw))


def test_other_errors(tmp_path, raw):
    bad = copy.deepcopy(raw)
    bad["divisions"] = [r for r in bad["divisions"] if r["code"] != "419001"]
    with pytest.raises(DivisionError, match="18 cities"):
        load_divisions(write(tmp_path, bad))
    bad = copy.deepcopy(raw)
    bad["divisions"] = [r for r in bad["divisions"] if r["code"] != "410000"]
    with pytest.raises(DivisionError, match="province"):
        load_divisions(write(tmp_path, bad))
    bad = copy.deepcopy(raw)
    bad["divisions"][3]["name_en"] = " "
    with pytest.raises(DivisionError, match="name_en"):
        load_divisions(write(tmp_path, bad))
    bad = copy.deepcopy(raw)
    next(r for r in bad["divisions"] if r["code"] == "410200")["code"] = "410210"
    with pytest.raises(DivisionError, match="41xx00"):
        load_divisions(write(tmp_path, bad))
    (tmp_path / "x.json").write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(DivisionError):
        load_divisions(tmp_path / "x.json")


def test_city_filter_is_an_index_friendly_range_with_exact_edges(app, session, clock):
    """City staff see codes 4101xx and nothing else (410200 and 410099 sit right outside); the filter
    is a range, not LIKE, so PostgreSQL can use the (division_code, ...) indexes."""
    from types import SimpleNamespace

    from sqlalchemy import select

    from tests import factories
    from tipline.intake.models import Tip
    from tipline.jurisdiction import division_filter
    for code in ("410100", "410105", "410199", "410200", "410099", "419001"):
        tip, _ = factories.tip(session, now=clock(), division_code=code)
    session.commit()
    city = SimpleNamespace(division_code="410100", sees_all=False)
    condition = division_filter(Tip.division_code, city)
    assert " LIKE " not in str(condition).upper()
    seen = sorted(session.scalars(select(Tip.division_code).where(condition)))
    assert seen == ["410100", "410105", "410199"]
    county = SimpleNamespace(division_code="419001", sees_all=False)
    seen_county = session.scalars(select(Tip.division_code).where(division_filter(Tip.division_code, county))).all()
    assert seen_county == ["419001"]
