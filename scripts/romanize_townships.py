"""Regenerate ``knowledge/townships_romanized.csv``: how English speakers spell each 附件三 name.

Taiwan's place names are written in several romanizations: Hanyu Pinyin (Zhubei, Jiaoxi),
Tongyong Pinyin (Jhubei, Jiaosi), Wade–Giles without its apostrophes (Chupei, Chiaohsi), and a
few postal spellings that predate all of them (Keelung, Kinmen, Tamsui). The spellings are
generated from the Chinese names with pypinyin, so none is typed by hand except the postal
exceptions below. Run after changing ``knowledge/townships.csv``:

    python scripts/romanize_townships.py
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

from pypinyin import Style, lazy_pinyin

ROOT = Path(__file__).resolve().parents[1] / "knowledge"
OUT = ROOT / "townships_romanized.csv"

#: Postal-era spellings still used on maps and signs: Chinese name → spelling.
POSTAL = {"基隆": "keelung", "金門": "kinmen", "嘉義": "chiayi", "淡水": "tamsui", "高雄": "kaohsiung",
          "臺北": "taipei", "新北": "newtaipei", "桃園": "taoyuan", "馬祖": "matsu"}

#: Districts named by direction are said in English: 「北區」 is North District.
DIRECTIONS = {"東": "east", "西": "west", "南": "south", "北": "north", "中": "central"}

#: Hanyu → Tongyong, syllable by syllable (only the syllables that differ).
_TONGYONG_WHOLE = {"zi": "zih", "ci": "cih", "si": "sih", "zhi": "jhih", "chi": "chih", "shi": "shih", "ri": "rih",
                   "wen": "wun", "feng": "fong", "weng": "wong", "meng": "mong", "beng": "bong", "peng": "pong"}


def tongyong(syllable: str) -> str:
    if syllable in _TONGYONG_WHOLE:
        return _TONGYONG_WHOLE[syllable]
    s = syllable
    s = re.sub(r"^([jqx])u", r"\1yu", s)  # ju → jyu (ü)
    s = s.replace("v", "yu")
    s = re.sub(r"^([jqx])iong$", r"\1yong", s)
    s = re.sub(r"iu$", "iou", s)
    s = re.sub(r"(?<=[^aeo])ui$", "uei", s)
    s = re.sub(r"^zh", "jh", s)
    s = re.sub(r"^q", "c", s)
    s = re.sub(r"^x", "s", s)
    return s


def _suffixless(name: str) -> str:
    return name[:-1] if len(name) > 2 and name[-1] in "鄉鎮市區縣" else name


def spellings(name: str) -> list[str]:
    """Every spelling of a Chinese place name, lower-case, without spaces, hyphens or apostrophes."""
    name = name.replace("臺", "台")
    hanyu = [s.replace("ü", "v") for s in lazy_pinyin(name, errors="ignore")]
    wade = [re.sub(r"[’'`]", "", s).replace("ü", "u").replace("v", "u") for s in lazy_pinyin(name, style=Style.WADEGILES, errors="ignore")]
    forms = {
        "".join(hanyu).replace("v", "u"),
        "".join(hanyu).replace("v", "yu"),
        "".join(tongyong(s) for s in hanyu),
        "".join(wade),
        "".join("yi" if s == "i" else s for s in wade),
    }
    for chinese, postal in POSTAL.items():
        if name.replace("台", "臺").startswith(chinese) or name.startswith(chinese.replace("臺", "台")):
            forms.add(postal + "".join(hanyu[len(chinese):]))
    if len(name) == 2 and name[1] == "區" and name[0] in DIRECTIONS:
        forms.add(DIRECTIONS[name[0]] + "district")
    return sorted(f for f in forms if f)


def main() -> None:
    with (ROOT / "townships.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    counties = sorted({r["county"] for r in rows})
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["kind", "county", "town", "spellings"])
        for county in counties:
            writer.writerow(["county", county, "", " ".join(spellings(_suffixless(county)))])
        for row in rows:
            writer.writerow(["town", row["county"], row["town"], " ".join(spellings(_suffixless(row["town"])))])
    print(f"{OUT}: {len(counties)} counties, {len(rows)} towns")


if __name__ == "__main__":
    main()
