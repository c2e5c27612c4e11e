"""SQL statements per call of the call flow, before and after a change, from kept runs of
bench/call_flow_load.py (its `--keep` keeps each level's census, `<workdir>/cps_N/data/sql_statements.txt`).

    .venv/bin/python bench/call_flow_statements.py --name call_flow_statements_flowsql2 \
        --run before-sqlite RESULT.json WORKDIR --run after-sqlite RESULT.json WORKDIR [--run ...]
        → bench/results/<name>.json

Run call_flow_load.py twice in the same session, the code before with `--server-src` (`git archive`
of it), then the code after, both with `--keep`; copy each run's bench/results/call_flow_load.json
aside before the next one overwrites it. Per run and level: the calls, the statements the hotline
sent while the calls came and went (`hotline_inside.sql_statements`, set-up excluded) and per call,
the hotline's CPU per call, the answer-after-offer p99, lost calls and the machine's load; and, from
the census of the whole run (set-up included), the statements of each kind of `--kinds` per call,
so that what a change touched is seen on its own.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import write_result

# The statements the ACD snapshot, the SIP dialogs and conversations, and the organisation look-ups
# of the call path send (the first words of each, as the census writes them).
KINDS = {
    "acd_records upsert": "INSERT INTO acd_records",
    "acd_records delete": "DELETE FROM acd_records",
    "acd_meta upsert": "INSERT INTO acd_meta",
    "sip_dialogs insert/upsert": "INSERT INTO sip_dialogs",
    "sip_dialogs delete": "DELETE FROM sip_dialogs",
    "kept_conversations insert/upsert": "INSERT INTO kept_conversations",
    "kept_conversations delete": "DELETE FROM kept_conversations",
    "groups select": "SELECT groups.",
    "help_requests select": "SELECT help_requests.",
    "case_types select (whole row)": "SELECT case_types.id",
}


def census(path: Path) -> dict[str, int]:
    """The census file: "<count> <first 90 characters of the statement>" a line."""
    kinds: dict[str, int] = {}
    for line in path.read_text().splitlines():
        count, _, statement = line.partition(" ")
        kinds[statement] = kinds.get(statement, 0) + int(count)
    return kinds


TABLE = re.compile(r"^(?:(?:INSERT INTO|DELETE FROM|UPDATE) \"?(\w+)|SELECT (?:\w+\()?(\w+)\.)")


def by_table(counted: dict[str, int], calls: int) -> dict[str, float]:
    """Statements per call by the table each writes, or whose column a SELECT names first (a census
    line holds only the statement's first 90 characters); "?" for the rest (PRAGMA, SELECT 1, ...)."""
    tables: dict[str, int] = {}
    for statement, n in counted.items():
        match = TABLE.match(statement)
        table = (match.group(1) or match.group(2)) if match else "?"
        tables[table] = tables.get(table, 0) + n
    return {t: round(n / calls, 2) for t, n in sorted(tables.items(), key=lambda item: -item[1])}


def level_figures(level: dict[str, Any], workdir: Path) -> dict[str, Any]:
    calls = int(level["calls"])
    inside = level["hotline_inside"]["sql_statements"]
    counted = census(workdir / level["level"] / "data" / "sql_statements.txt")
    by_kind = {
        name: round(sum(n for statement, n in counted.items() if statement.startswith(prefix)) / calls, 2)
        for name, prefix in KINDS.items()
    }
    records = level["call_records"]
    return {
        "level": level["level"],
        "calls": calls,
        "sql_statements_while_calling": inside,
        "sql_statements_per_call": round(inside / calls, 1) if inside is not None else None,
        "census_statements_whole_run": sum(counted.values()),
        "census_per_call_of_these_kinds": by_kind,
        "census_per_call_of_these_kinds_total": round(sum(by_kind.values()), 2),
        "census_per_call_by_table": by_table(counted, calls),
        "hotline_cpu_ms_per_call": level["hotline_cpu"]["ms_per_call"],
        "answer_after_offer_p99_ms": (records.get("answer_after_offer") or {}).get("p99_ms"),
        "answered": records["by_status"].get("answered", 0),
        "lost_calls": level["lost_calls"],
        "passed": level["passed"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--name", default="call_flow_statements")
    parser.add_argument(
        "--run", nargs=3, action="append", required=True, metavar=("LABEL", "RESULT_JSON", "WORKDIR")
    )
    args = parser.parse_args()
    runs: dict[str, Any] = {}
    for label, result, workdir in args.run:
        document = json.loads(Path(result).read_text())
        runs[label] = {
            "command": document["command"],
            "database": document["database"],
            "date": document["date"],
            "load_average_1m": document["load_average_1m"],
            "levels": [level_figures(level, Path(workdir)) for level in document["levels"]],
        }
    command = " ".join(["bench/call_flow_statements.py", *sys.argv[1:]])
    print(write_result(args.name, {"command": command, "kinds": KINDS, "runs": runs}))


if __name__ == "__main__":
    main()
