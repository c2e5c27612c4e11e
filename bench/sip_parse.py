"""SIP messages parsed per second on one core, over the messages captured from real peers.

    .venv/bin/python bench/sip_parse.py [--seconds 3]  → bench/results/sip_parse.json

Parsing includes what the UA core reads for every message (top Via, From/To, CSeq), and a
second figure adds serialising the message again.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import write_result

from c122.telephony.sip.message import parse_message

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "sip"


def rate(messages: list[bytes], seconds: float, serialise: bool) -> float:
    done = 0
    start = time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        for raw in messages:
            msg = parse_message(raw)
            msg.top_via  # noqa: B018 - read as the transaction layer does
            msg.from_  # noqa: B018
            msg.to  # noqa: B018
            msg.cseq  # noqa: B018
            if serialise:
                msg.serialize()
        done += len(messages)
    return done / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    messages = [p.read_bytes() for p in sorted(FIXTURES.glob("*.sip"))]
    parse_only = rate(messages, args.seconds, serialise=False)
    round_trip = rate(messages, args.seconds, serialise=True)
    path = write_result(
        "sip_parse",
        {
            "messages": len(messages),
            "mean_message_bytes": round(sum(map(len, messages)) / len(messages)),
            "parsed_per_second": round(parse_only),
            "parsed_and_serialised_per_second": round(round_trip),
            "command": f"bench/sip_parse.py --seconds {args.seconds:g}",
            "load_average_1m": round(os.getloadavg()[0], 2),  # other work on the machine skews figures
        },
    )
    print(path.read_text())


if __name__ == "__main__":
    main()
