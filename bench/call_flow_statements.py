"""The SQL statements of the call flow per call, side by side for runs of bench/call_flow_load.py (the
code before a change with `--server-src`, and after), from each run's printed levels and the census it
kept (`--keep`: <workdir>/<level>/data/sql_statements.txt, count and the statement's first 90 chars).

    nice -n 10 .venv/bin/python bench/call_flow_load.py --rates 10,50 --seconds 10 --hold 3 \\
        --concurrent '' --operators 250 --media-workers 1 --keep [--server-src DIR] \\
        [--database-url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres] > RUN.out
    .venv/bin/python bench/call_flow_statements.py --run base_sqlite=RUN.out [--run ...] \\
        [--load-file LOG] → bench/results/call_flow_statements_flowsql1.json

Per run and level: the calls, all statements per call (the set-up of the operators included: the same
in every run), the main process's CPU per call, answer after offer p99, and per call the statements
of the call records, their legs, segments and case links, the interval sums, the kept conversations
and the case cards (the groups below), each with its statements' counts.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

RESULT = Path(__file__).parent / "results" / "call_flow_statements_flowsql1.json"
GROUPS = {
    "call_records": ("call_records",),
    "call_legs": ("call_legs",),
    "call_recording_segments": ("call_recording_segments",),
    "call_cases (links)": ("call_cases",),
    "call_intervals": ("call_intervals",),
    "kept_conversations": ("kept_conversations",),
    "case card (cases, histories, types)": (
        "cases ",
        "cases.",
        "case_status_history",
        "case_type_history",
        "case_handovers",
        "case_types",
    ),
    "operator_state_log, queue_log": ("operator_state_log", "queue_log"),
}
_TABLE = re.compile(r"^(?:INSERT INTO|DELETE FROM|UPDATE|SELECT .*? FROM)\s+(\w+)")


def census(path: Path) -> list[tuple[int, str]]:
    rows = []
    for line in path.read_text().splitlines():
        count, _, statement = line.strip().partition(" ")
        if count.isdigit():
            rows.append((int(count), statement))
    return rows


def group_of(statement: str) -> str | None:
    found = _TABLE.match(statement)
    table = found.group(1) if found else ""
    for name, tables in GROUPS.items():
        if any(table == t.strip(" .") for t in tables):
            return name
    return None


def summarise(label: str, output: Path) -> dict[str, Any]:
    text = output.read_text()
    kept = re.search(r"working folder kept: (\S+)", text)
    levels = []
    for line in text.splitlines():
        if not line.startswith("{"):
            continue
        level = json.loads(line)
        if "error" in level:  # a level that did not run (a port taken by another process)
            levels.append({"level": level["level"], "error": level["error"].splitlines()[-1]})
            continue
        calls = int(level["calls"])
        inside, cpu = level["hotline_inside"], level["hotline_cpu"]
        entry: dict[str, Any] = {
            "level": level["level"],
            "calls": calls,
            "answered": level["call_records"]["by_status"].get("answered", 0),
            "sql_statements": inside["sql_statements"],
            "sql_statements_per_call": round(inside["sql_statements"] / calls, 1),
            "cpu_ms_per_call": cpu["ms_per_call"],
            "answer_after_offer_p99_ms": level["call_records"]["answer_after_offer"].get("p99_ms"),
        }
        if kept:
            path = Path(kept.group(1)) / level["level"] / "data" / "sql_statements.txt"
            if path.exists():
                groups: dict[str, dict[str, Any]] = {}
                for count, statement in census(path):
                    name = group_of(statement)
                    if name is None:
                        continue
                    group = groups.setdefault(name, {"per_call": 0.0, "statements": {}})
                    group["statements"][statement[:60]] = group["statements"].get(statement[:60], 0) + count
                for group in groups.values():
                    group["per_call"] = round(sum(group["statements"].values()) / calls, 2)
                entry["per_call_by_table"] = dict(sorted(groups.items()))
                # The batches of record saves differ from run to run (the load makes them larger):
                # what one save costs, with its legs, segments, links and interval sums, does not.
                saves = sum(
                    n for name, n in groups.get("call_records", {}).get("statements", {}).items()
                    if name.startswith("INSERT INTO call_records")
                )  # fmt: skip
                saved_with = ("call_records", "call_legs", "call_recording_segments", "call_cases (links)")
                path = sum(sum(groups.get(name, {}).get("statements", {}).values()) for name in saved_with)
                path += sum(n for name, n in groups.get("call_intervals", {}).get("statements", {}).items())
                entry["record_saves"] = saves
                entry["record_path_statements_per_save"] = round(path / saves, 2) if saves else None
                entry["these_tables_per_call"] = round(sum(g["per_call"] for g in groups.values()), 2)
        levels.append(entry)
    return {"run": label, "levels": levels}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--run", action="append", required=True, help="label=stdout of call_flow_load.py")
    parser.add_argument("--load-file", type=Path, help="the runs' log with `uptime` at start and end")
    parser.add_argument("--output", type=Path, default=RESULT)
    args = parser.parse_args()
    runs = []
    for spec in args.run:
        label, _, path = spec.partition("=")
        runs.append(summarise(label, Path(path)))
    result: dict[str, Any] = {"runs": runs}
    if args.load_file is not None:
        result["machine_load"] = args.load_file.read_text().splitlines()
    args.output.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    for run in runs:
        for level in run["levels"]:
            if "error" in level:
                print(f"{run['run']:12} {level['level']:7} {level['error']}")
                continue
            print(
                f"{run['run']:12} {level['level']:7} calls {level['calls']:4} statements/call "
                f"{level['sql_statements_per_call']:6} mine/call {level.get('these_tables_per_call')} "
                f"cpu ms/call {level['cpu_ms_per_call']} aao p99 {level['answer_after_offer_p99_ms']} "
                f"per save {level.get('record_path_statements_per_save')}"
            )


if __name__ == "__main__":
    main()
