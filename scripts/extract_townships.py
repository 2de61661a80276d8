"""Regenerate knowledge/townships.csv from 附件三 of the 112年 guidelines.

Run once per new seed year: ``python scripts/extract_townships.py ../shared/seeds/001_….txt``.
The extracted text has known defects (see the seeds README) which are corrected here, and empty
table cells appear as lines holding only a tab — they must be kept, or towns shift tiers.
"""
from __future__ import annotations

import csv
import sys
from pathlib import Path

#: Misread characters in the extracted text → the real township names.
DEFECTS = {
    "莉桐鄉": "莿桐鄉",
    "大坦鄉": "大埤鄉",
    "番背鄉": "崙背鄉",
    "埠頭鄉": "埤頭鄉",
    "新埠鄉": "新埤鄉",
    "南屯 區": "南屯區",
}


def parse(text: str) -> list[tuple[str, str, int]]:
    lines = text.split("\n")
    start = next(i for i, line in enumerate(lines) if "附件三" in line and "數位發展分類列表" in line)
    rows: list[tuple[str, str, int]] = []
    block: list[str] = []
    for line in lines[start + 10 :]:
        if line.startswith("資料來源"):
            break
        if line.strip() == "" and "\t" not in line:
            if block:
                rows.extend(_block_rows(block))
                block = []
            continue
        block.append(line)
    if block:
        rows.extend(_block_rows(block))
    return rows


def _block_rows(block: list[str]) -> list[tuple[str, str, int]]:
    county = block[0].strip()
    cells = block[1:5]
    out = []
    for tier, cell in enumerate(cells, start=1):
        for name in cell.strip().split("、"):
            name = name.strip().replace("郷", "鄉")
            name = DEFECTS.get(name, name)
            if name:
                out.append((county, name, tier))
    return out


def main() -> None:
    src = Path(sys.argv[1])
    rows = parse(src.read_text(encoding="utf-8"))
    dest = Path(__file__).resolve().parent.parent / "knowledge" / "townships.csv"
    with dest.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["county", "town", "tier"])
        writer.writerows(rows)
    print(f"{len(rows)} towns → {dest}")


if __name__ == "__main__":
    main()
