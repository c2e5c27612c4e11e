"""One node's campaign for the ACD's leadership, as its own process: prints `leading` or
`following` each time that changes (`python -m tests.support.leader_candidate <database_url> <key>`)."""

from __future__ import annotations

import asyncio
import sys

from c122.persistence.leadership import AdvisoryLockLeadership


def main() -> None:
    database_url, key = sys.argv[1], int(sys.argv[2])
    print("following", flush=True)
    leadership = AdvisoryLockLeadership(
        database_url,
        key=key,
        check_s=0.2,
        on_change=lambda leading: print("leading" if leading else "following", flush=True),
    )
    asyncio.run(leadership.run())


if __name__ == "__main__":
    main()
