"""A realistic, deterministic register of supervised bodies: for the demo (two cities), the tests
(an import of 200 rows) and bench/ (50,000 bodies). Same arguments, same rows, every time."""
from __future__ import annotations

import csv
import io
import random

from ..validators import _USCC_VALUE, _USCC_WEIGHTS, USCC_ALPHABET

CITIES = {
    "410100": ("郑州", ("410102", "410103", "410104", "410105", "410122", "410181", "410182", "410184")),
    "410300": ("洛阳", ("410302", "410303", "410305", "410307", "410311", "410323", "410327")),
}
TESTING_FIELDS = ("建筑工程材料", "食品", "机动车安全技术检验", "环境监测", "计量校准", "电子电器", "纺织品",
                  "医疗器械", "农产品", "水质", "特种设备")
CERT_FIELDS = ("CCC 强制性产品认证", "质量管理体系认证", "有机产品认证", "食品安全管理体系认证", "环境管理体系认证")
TRADES = ("检测技术", "检验检测", "质量检测", "工程检测", "环境检测", "计量检测", "认证", "质量认证")
WORDS = ("中原", "豫通", "华信", "天正", "嵩山", "黄河", "恒安", "宏达", "博远", "金诚", "正源", "九州", "安泰", "百川",
         "科信", "卓越", "国瑞", "鼎盛", "新华", "明德")


def uscc(division: str, serial: int) -> str:
    """A valid unified social credit code (GB 32100-2015 check character) for a company
    ("91": registered by market regulation, an enterprise) in `division`."""
    body = "91" + division + f"{serial:09d}"[-9:]
    total = sum(_USCC_VALUE[ch] * w for ch, w in zip(body, _USCC_WEIGHTS, strict=False))
    return body + USCC_ALPHABET[(31 - total % 31) % 31]


def rows(city: str, count: int, seed: int = 24, start: int = 1) -> list[dict[str, str]]:
    name, counties = CITIES.get(city, (city, (city,)))
    rng = random.Random(f"{seed}:{city}")  # noqa: S311 - deterministic demo/test data, nothing secret
    out = []
    for n in range(start, start + count):
        certification = rng.random() < 0.18
        division = rng.choice(counties)
        trade = "认证" if certification else rng.choice(TRADES[:6])
        out.append({
            "name": f"{name}{rng.choice(WORDS)}{rng.choice(WORDS)}{trade}有限公司{n:05d}",
            "uscc": uscc(division, int(city) * 100000 + n),
            "kind": "certification" if certification else "testing",
            "approval_number": (f"CNCA-R-{2016 + n % 9}-{n:03d}" if certification
                                else f"{16 + n % 9}16{city[:4]}{n:06d}"),
            "division_code": division,
            "fields": "；".join(rng.sample(CERT_FIELDS if certification else TESTING_FIELDS, 2)),
            "status": "active",
        })
    return out


def as_csv(items: list[dict[str, str]]) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=["name", "uscc", "kind", "approval_number", "division_code",
                                             "fields", "status"])
    writer.writeheader()
    writer.writerows(items)
    return buf.getvalue().encode("utf-8")
