#!/usr/bin/env python3
"""Validate Wayfare's curated hotel reference data.

Checks, under ``data/reference/`` of the repository:

* ``hotel_brands.csv`` - hotel chains and their brands (curated by hand).
  Names and Wikidata ids of the brands that the OpenStreetMap
  name-suggestion-index (npm ``name-suggestion-index``, BSD-3-Clause) lists
  are cross-checked against it.
* ``landmarks.csv``   - landmarks and points of interest that travellers
  search hotels by (curated by hand), linked to ``cities.csv``.

Unlike ``derive.py`` these two files are not derived from a package: no
package on the reachable registries ships hotel brands with Chinese names or
a landmark gazetteer with Chinese names (see data/reference/README.md).  The
CSV files are therefore the source; this script validates them and exits
non-zero on any problem.  ``--fix`` rewrites them in canonical form (sorted,
RFC 4180 quoting, ``\\n`` line endings, coordinates with at most 4 decimals)
before validating.

    python3 tools/refdata/hotel_data.py            # validate (runs npm pack)
    python3 tools/refdata/hotel_data.py --offline  # skip the NSI cross-check
    python3 tools/refdata/hotel_data.py --fix      # rewrite canonically, validate

The NSI cross-check runs ``npm pack name-suggestion-index@<NSI_VERSION>`` in a
temporary directory; set ``NSI_TGZ=/path/to/name-suggestion-index-*.tgz`` to
use a tarball you already have.  Only the Python standard library is needed.
"""

from __future__ import annotations

import argparse
import csv
import io
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
REF = REPO / "data" / "reference"
BRANDS_CSV = REF / "hotel_brands.csv"
LANDMARKS_CSV = REF / "landmarks.csv"
CITIES_CSV = REF / "cities.csv"

NSI_VERSION = "8.0.20260918"

BRAND_COLUMNS = [
    "chain_code", "chain_name_en", "chain_name_zh", "brand_code", "brand_name_en",
    "brand_name_zh", "segment", "typical_stars", "regions", "typical_themes",
    "wikidata", "nsi_id", "notes",
]
LANDMARK_COLUMNS = [
    "landmark_id", "name_en", "name_zh", "aliases", "kind", "city_geonameid", "city",
    "country", "lat", "lon", "notes",
]

# Segment -> allowed typical_stars (inclusive range).
SEGMENTS = {
    "luxury": (5, 5),
    "upper_upscale": (4, 5),
    "upscale": (4, 5),
    "upper_midscale": (3, 4),
    "midscale": (3, 3),
    "economy": (1, 2),
}
REGIONS = {"cn", "asia", "europe", "americas", "mea", "oceania", "global"}
THEMES = {"business", "family", "resort", "boutique", "spa", "luxury", "hostel", "homestay"}
REQUIRED_CHAINS = {
    "marriott", "hilton", "ihg", "hyatt", "accor", "jinjiang", "huazhu", "atour",
    "btg_homeinns", "shangri_la", "independent",
}

KINDS = {
    "landmark", "park", "museum", "district", "station", "convention", "university",
    "theme_park", "beach",
}
# A landmark must lie within this distance of its city's coordinates in
# cities.csv.  Beijing municipality is large: the Great Wall at Mutianyu is
# ~60 km from the GeoNames point of Beijing.
DEFAULT_CITY_RADIUS_KM = 60.0
CITY_RADIUS_KM = {1816670: 80.0}  # Beijing
# (landmark country, city country) pairs that are allowed to differ.
CROSS_BORDER = {("VA", "IT")}  # St. Peter's and the Vatican Museums, linked to Rome
MIN_SEPARATION_KM = 0.05  # two landmarks closer than this are probably duplicates

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
CODE = re.compile(r"[a-z0-9]+(?:_[a-z0-9]+)*")
COORD = re.compile(r"-?\d{1,3}(?:\.\d{1,4})?")


class Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, msg: str) -> None:
        self.items.append(f"{where}: {msg}")


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def fmt_coord(x: float) -> str:
    s = f"{round(x, 4):.4f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def to_csv(header: list[str], rows: list[list[str]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def read_csv(path: Path, header: list[str], problems: Problems) -> list[dict] | None:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        problems.add(path.name, "missing")
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        problems.add(path.name, f"not UTF-8 ({e})")
        return None
    if "\r" in text:
        problems.add(path.name, "has CR characters; use \\n line endings")
    if text.startswith("\ufeff"):
        problems.add(path.name, "starts with a BOM")
    reader = csv.reader(io.StringIO(text))
    rows = list(reader)
    if not rows or rows[0] != header:
        problems.add(path.name, f"header must be {','.join(header)}")
        return None
    out = []
    for n, r in enumerate(rows[1:], start=2):
        if len(r) != len(header):
            problems.add(f"{path.name}:{n}", f"{len(r)} fields, expected {len(header)}")
            continue
        if any(v != v.strip() for v in r):
            problems.add(f"{path.name}:{n}", "field with leading or trailing spaces")
        out.append({"_line": n, **dict(zip(header, r))})
    return out


def split_list(value: str) -> list[str]:
    return value.split(";") if value else []


# --------------------------------------------------------------------------
# hotel_brands.csv
# --------------------------------------------------------------------------

def brand_key(r: dict) -> tuple:
    return (r["chain_code"], r["brand_code"])


def canonical_brands(rows: list[dict]) -> str:
    rows = sorted(rows, key=brand_key)
    return to_csv(BRAND_COLUMNS, [[r[c] for c in BRAND_COLUMNS] for r in rows])


def check_brands(rows: list[dict], problems: Problems) -> None:
    chains: dict[str, tuple[str, str]] = {}
    seen_codes: set[str] = set()
    seen_en: dict[str, str] = {}
    seen_zh: dict[str, str] = {}
    for r in rows:
        where = f"hotel_brands.csv:{r['_line']} ({r['brand_code']})"
        if not CODE.fullmatch(r["chain_code"]):
            problems.add(where, f"bad chain_code {r['chain_code']!r}")
        names = (r["chain_name_en"], r["chain_name_zh"])
        if chains.setdefault(r["chain_code"], names) != names:
            problems.add(where, f"chain {r['chain_code']} has different names elsewhere")
        if not r["chain_name_en"] or not CJK.search(r["chain_name_zh"]):
            problems.add(where, "chain needs an English and a Chinese name")
        if not CODE.fullmatch(r["brand_code"]):
            problems.add(where, "brand_code must be lowercase letters, digits and _")
        if r["brand_code"] in seen_codes:
            problems.add(where, "duplicate brand_code")
        seen_codes.add(r["brand_code"])
        if not r["brand_name_en"]:
            problems.add(where, "empty brand_name_en")
        if not r["brand_name_zh"]:
            problems.add(where, "empty brand_name_zh")
        elif not CJK.search(r["brand_name_zh"]) and not r["notes"]:
            problems.add(where, "brand_name_zh has no Chinese characters; explain in notes")
        for col, seen in (("brand_name_en", seen_en), ("brand_name_zh", seen_zh)):
            v = r[col].casefold()
            if v and v in seen:
                problems.add(where, f"{col} {r[col]!r} also used by {seen[v]}")
            seen.setdefault(v, r["brand_code"])
        seg = r["segment"]
        if seg not in SEGMENTS:
            problems.add(where, f"segment {seg!r} not one of {sorted(SEGMENTS)}")
        try:
            stars = int(r["typical_stars"])
        except ValueError:
            problems.add(where, f"typical_stars {r['typical_stars']!r} is not an integer")
        else:
            lo, hi = SEGMENTS.get(seg, (1, 5))
            if not lo <= stars <= hi:
                problems.add(where, f"typical_stars {stars} does not fit segment {seg} ({lo}-{hi})")
        regions = split_list(r["regions"])
        if not regions or set(regions) - REGIONS or len(set(regions)) != len(regions):
            problems.add(where, f"regions {r['regions']!r}: ;-list of {sorted(REGIONS)}, no repeats")
        if "global" in regions and len(regions) > 1:
            problems.add(where, "'global' stands alone in regions")
        themes = split_list(r["typical_themes"])
        if not themes or set(themes) - THEMES or len(set(themes)) != len(themes):
            problems.add(where, f"typical_themes {r['typical_themes']!r}: ;-list of {sorted(THEMES)}")
        if r["wikidata"] and not re.fullmatch(r"Q[1-9]\d*", r["wikidata"]):
            problems.add(where, f"bad wikidata id {r['wikidata']!r}")
        if r["nsi_id"] and not re.fullmatch(r"[0-9a-z]+-[0-9a-f]{6}", r["nsi_id"]):
            problems.add(where, f"bad nsi_id {r['nsi_id']!r}")
        if r["wikidata"] and not r["nsi_id"]:
            problems.add(where, "wikidata ids come from NSI: set nsi_id too")
    missing = REQUIRED_CHAINS - set(chains)
    if missing:
        problems.add("hotel_brands.csv", f"missing chains: {sorted(missing)}")


def load_nsi() -> dict[str, dict]:
    """Return NSI id -> item for the tourism brand categories."""
    tgz = os.environ.get("NSI_TGZ")
    with tempfile.TemporaryDirectory() as tmp:
        if not tgz:
            subprocess.run(
                ["npm", "pack", f"name-suggestion-index@{NSI_VERSION}", "--silent"],
                cwd=tmp, check=True, stdout=subprocess.DEVNULL,
            )
            tgz = os.path.join(tmp, f"name-suggestion-index-{NSI_VERSION}.tgz")
        with tarfile.open(tgz) as tar:
            pkg = json.load(tar.extractfile("package/package.json"))
            if pkg["version"] != NSI_VERSION:
                sys.exit(f"expected name-suggestion-index {NSI_VERSION}, got {pkg['version']}")
            nsi = json.load(tar.extractfile("package/dist/json/nsi.json"))["nsi"]
    items = {}
    for cat in ("brands/tourism/hotel", "brands/tourism/motel", "brands/tourism/hostel"):
        for item in nsi.get(cat, {}).get("items", []):
            items[item["id"]] = item
    return items


def name_key(name: str) -> str:
    s = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    s = re.sub(r"[^0-9a-z]", "", s)
    s = re.sub(r"^the", "", s)
    return re.sub(r"(hotelsandresorts|hotelsresorts|hotels|hotel)$", "", s)


def check_brands_against_nsi(rows: list[dict], items: dict[str, dict], problems: Problems) -> int:
    checked = 0
    for r in rows:
        if not r["nsi_id"]:
            continue
        where = f"hotel_brands.csv:{r['_line']} ({r['brand_code']})"
        item = items.get(r["nsi_id"])
        if item is None:
            problems.add(where, f"nsi_id {r['nsi_id']} is not an NSI hotel/motel/hostel brand")
            continue
        tags = item["tags"]
        if tags.get("brand:wikidata", "") != r["wikidata"]:
            problems.add(where, f"wikidata {r['wikidata']!r} but NSI has "
                                f"{tags.get('brand:wikidata', '')!r}")
        names = [item["displayName"], *item.get("matchNames", [])]
        names += [tags[k] for k in ("brand", "brand:en", "name", "name:en", "official_name")
                  if k in tags]
        if name_key(r["brand_name_en"]) not in {name_key(n) for n in names}:
            problems.add(where, f"brand_name_en {r['brand_name_en']!r} not among NSI names {names}")
        zh = tags.get("brand:zh") or tags.get("name:zh")
        if zh and not (zh == r["brand_name_zh"] or zh == r["brand_name_zh"] + "酒店"):
            problems.add(where, f"brand_name_zh {r['brand_name_zh']!r} but NSI has {zh!r}")
        checked += 1
    return checked


# --------------------------------------------------------------------------
# landmarks.csv
# --------------------------------------------------------------------------

def canonical_landmarks(rows: list[dict]) -> str:
    out = []
    for r in sorted(rows, key=lambda r: r["landmark_id"]):
        r = dict(r)
        for c in ("lat", "lon"):
            try:
                r[c] = fmt_coord(float(r[c]))
            except ValueError:
                pass
        out.append([r[c] for c in LANDMARK_COLUMNS])
    return to_csv(LANDMARK_COLUMNS, out)


def load_cities() -> dict[str, dict]:
    with CITIES_CSV.open(encoding="utf-8", newline="") as f:
        return {r["geonameid"]: r for r in csv.DictReader(f)}


def check_landmarks(rows: list[dict], cities: dict[str, dict], problems: Problems) -> None:
    seen_ids: set[str] = set()
    seen_names: dict[tuple[str, str], str] = {}
    points: list[tuple[float, float, str, str]] = []
    for r in rows:
        lid = r["landmark_id"]
        where = f"landmarks.csv:{r['_line']} ({lid})"
        if not SLUG.fullmatch(lid):
            problems.add(where, "landmark_id must be lowercase words joined by -")
        if lid in seen_ids:
            problems.add(where, "duplicate landmark_id")
        seen_ids.add(lid)
        if not r["name_en"]:
            problems.add(where, "empty name_en")
        if not CJK.search(r["name_zh"]):
            problems.add(where, "name_zh must contain Chinese characters")
        for col in ("name_en", "name_zh"):
            key = (r["city_geonameid"], r[col].casefold())
            if r[col] and key in seen_names:
                problems.add(where, f"{col} {r[col]!r} also used by {seen_names[key]} in this city")
            seen_names.setdefault(key, lid)
        aliases = split_list(r["aliases"])
        if any(not a for a in aliases) or len(set(aliases)) != len(aliases):
            problems.add(where, "aliases: ;-list without empty or repeated entries")
        if set(aliases) & {r["name_en"], r["name_zh"]}:
            problems.add(where, "aliases repeat name_en or name_zh")
        if r["kind"] not in KINDS:
            problems.add(where, f"kind {r['kind']!r} not one of {sorted(KINDS)}")
        if not (COORD.fullmatch(r["lat"]) and COORD.fullmatch(r["lon"])):
            problems.add(where, f"bad coordinates {r['lat']},{r['lon']} (max 4 decimals)")
            continue
        lat, lon = float(r["lat"]), float(r["lon"])
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            problems.add(where, "coordinates out of range")
            continue
        city = cities.get(r["city_geonameid"])
        if city is None:
            problems.add(where, f"city_geonameid {r['city_geonameid']} not in cities.csv")
            continue
        if r["city"] != city["name"]:
            problems.add(where, f"city {r['city']!r} but cities.csv has {city['name']!r}")
        if r["country"] != city["country"] and (r["country"], city["country"]) not in CROSS_BORDER:
            problems.add(where, f"country {r['country']} but the city is in {city['country']}")
        km = haversine_km(lat, lon, float(city["lat"]), float(city["lon"]))
        radius = CITY_RADIUS_KM.get(int(r["city_geonameid"]), DEFAULT_CITY_RADIUS_KM)
        if km > radius:
            problems.add(where, f"{km:.1f} km from {city['name']} (limit {radius:.0f} km)")
        points.append((lat, lon, lid, r["city_geonameid"]))
    points.sort()
    for i, (lat, lon, lid, _) in enumerate(points):
        for lat2, lon2, lid2, _ in points[i + 1:]:
            if lat2 - lat > 0.001:
                break
            if haversine_km(lat, lon, lat2, lon2) < MIN_SEPARATION_KM:
                problems.add("landmarks.csv", f"{lid} and {lid2} are closer than "
                                              f"{MIN_SEPARATION_KM * 1000:.0f} m")


def summarise_landmarks(rows: list[dict], cities: dict[str, dict]) -> None:
    greater_china = sum(1 for r in rows if r["country"] in ("CN", "HK", "MO", "TW"))
    kinds: dict[str, int] = {}
    for r in rows:
        kinds[r["kind"]] = kinds.get(r["kind"], 0) + 1
    n_cities = len({r["city_geonameid"] for r in rows})
    far = max(rows, key=lambda r: haversine_km(
        float(r["lat"]), float(r["lon"]),
        float(cities[r["city_geonameid"]]["lat"]), float(cities[r["city_geonameid"]]["lon"])))
    print(f"landmarks.csv: {len(rows)} rows in {n_cities} cities; CN/HK/MO/TW {greater_china}, "
          f"elsewhere {len(rows) - greater_china}")
    print("  kinds: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    c = cities[far["city_geonameid"]]
    km = haversine_km(float(far["lat"]), float(far["lon"]), float(c["lat"]), float(c["lon"]))
    print(f"  farthest from its city: {far['landmark_id']} ({km:.1f} km from {c['name']})")


# --------------------------------------------------------------------------

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--offline", action="store_true",
                    help="skip the cross-check against name-suggestion-index")
    ap.add_argument("--fix", action="store_true",
                    help="rewrite both files in canonical form first")
    args = ap.parse_args()

    problems = Problems()
    brands = read_csv(BRANDS_CSV, BRAND_COLUMNS, problems)
    landmarks = read_csv(LANDMARKS_CSV, LANDMARK_COLUMNS, problems)
    if brands is None or landmarks is None:
        print("\n".join(problems.items), file=sys.stderr)
        return 1

    for path, rows, canon in ((BRANDS_CSV, brands, canonical_brands),
                              (LANDMARKS_CSV, landmarks, canonical_landmarks)):
        text = canon(rows)
        if path.read_text(encoding="utf-8") != text:
            if args.fix:
                path.write_text(text, encoding="utf-8", newline="")
                print(f"rewrote {path.relative_to(REPO)} in canonical form")
            else:
                problems.add(path.name, "not in canonical form (order, quoting or "
                                        "coordinate format); run with --fix")
    if args.fix:  # re-read so that line numbers match the rewritten files
        brands = read_csv(BRANDS_CSV, BRAND_COLUMNS, problems) or []
        landmarks = read_csv(LANDMARKS_CSV, LANDMARK_COLUMNS, problems) or []

    check_brands(brands, problems)
    cities = load_cities()
    check_landmarks(landmarks, cities, problems)

    if args.offline:
        print("name-suggestion-index cross-check skipped (--offline)")
    else:
        checked = check_brands_against_nsi(brands, load_nsi(), problems)
        print(f"name-suggestion-index {NSI_VERSION}: {checked} brands cross-checked")

    chains = {r["chain_code"] for r in brands}
    print(f"hotel_brands.csv: {len(brands)} rows, {len(chains)} chains, "
          f"{sum(1 for r in brands if r['nsi_id'])} linked to NSI")
    if not problems.items:
        summarise_landmarks(landmarks, cities)
    if problems.items:
        print(f"{len(problems.items)} problem(s):", file=sys.stderr)
        for p in problems.items:
            print("  " + p, file=sys.stderr)
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
