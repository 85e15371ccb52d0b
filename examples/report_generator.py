"""A small report generator: a CSV of regional figures in, one Markdown (or HTML) report per company out.

    python examples/report_generator.py examples/regional_figures.csv reports/ [--format html]
"""

from __future__ import annotations

import argparse
import csv
from collections import defaultdict
from pathlib import Path

from hybridnlg import Engine

PACK = Path(__file__).resolve().parent.parent / "templates" / "business" / "config.yaml"


def records_from_csv(path: Path) -> list[dict]:
    """One record per company, its regions as a list, company totals summed from the regions."""
    companies: dict[str, dict] = defaultdict(dict)
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            company = companies[row["company"]]
            company.update(company=row["company"], short_name=row["short_name"], quarter=row["quarter"],
                           currency=row["currency"])
            company.setdefault("regions", []).append({
                "name": row["region"], "revenue": int(row["revenue"]),
                "revenue_prev": int(row["revenue_prev"]), "stores": int(row["stores"]),
            })
    for company in companies.values():
        company["revenue"] = sum(r["revenue"] for r in company["regions"])
        company["revenue_prev"] = sum(r["revenue_prev"] for r in company["regions"])
    return list(companies.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--format", choices=["markdown", "html"], default="markdown")
    args = parser.parse_args()
    engine = Engine.from_config(PACK)
    args.out.mkdir(parents=True, exist_ok=True)
    suffix = ".md" if args.format == "markdown" else ".html"
    records = records_from_csv(args.csv)
    for record, report in zip(records, engine.render_many(records, format=args.format), strict=True):
        target = args.out / (record["short_name"].lower() + suffix)
        target.write_text(report.text, encoding="utf-8")
        print(f"wrote {target}")


if __name__ == "__main__":
    main()
