"""Tables of call records and their legs (issue 8, part 8): part of the one `metadata` in tables/base.py.

Records keep plain ids of lines' queues, groups, operators and case types without foreign keys: the
journal outlives deleted queues and accounts, like the queue log.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, ForeignKey, Index, Integer, SmallInteger, String, Table, Text

from c122.persistence.tables.base import UtcDateTime, metadata


def _journal_indexes(*leading: str | None) -> list[Index]:
    """An index per leading column (None: the period alone): see call_records."""
    found = []
    for lead in leading:
        key = [lead, "started_at", "id"] if lead else ["started_at", "id"]
        name = "ix_call_records_" + "_".join(key)
        tested = SCOPE_TESTED if lead in SCOPE_LEADS else JOURNAL_TESTED
        found.append(Index(name, *key, *(c for c in tested if c != lead)))
    return found


JOURNAL_TESTED = ("direction", "status")
"""The filters every journal index also holds, after its sort key."""
SCOPE_LEADS = ("operator_id", "group_id")
SCOPE_TESTED = ("direction", "status", "line_number", "case_type_id", "group_id", "operator_id")
"""The filters the indexes of a scope's branches (a senior's group, an operator's calls) hold: a page
walks them whatever the filters, which are tested in the index, not on each call (migration 0061)."""

LINKS_BY_START_INDEX = "ix_call_cases_call_started_at_call_id"
LINE_DIRECTION_INDEX = "ix_call_records_line_number_direction_started_at_id"

CALL_COPIES = ("direction", "status", "line_number", "case_type_id", "group_id", "operator_id")
"""The record's columns the journal filters on, copied onto each of its legs and its links to cases as
`call_<column>` (migration 0061): an operator's calls are paged from their legs' index, a case filter's
calls from the links', the filters tested in that index without looking each call up."""


def _call_copies() -> list[Column[object]]:
    types = {"direction": String(16), "status": String(16), "line_number": String(64)}
    return [Column(f"call_{name}", types.get(name, Integer), nullable=True) for name in CALL_COPIES]


call_records = Table(
    "call_records",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("direction", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("line_number", String(64), nullable=True),
    Column("caller", String(64), nullable=False),
    Column("called", String(64), nullable=False),
    Column("ivr_choice", String(64), nullable=True),
    Column("case_type_id", Integer, nullable=True),
    Column("queue_id", Integer, nullable=True),
    Column("group_id", Integer, nullable=True),
    Column("operator_id", Integer, nullable=True),
    Column("started_at", UtcDateTime, nullable=False),
    Column("queued_at", UtcDateTime, nullable=True),
    Column("offered_at", UtcDateTime, nullable=True),
    Column("connected_at", UtcDateTime, nullable=True),
    Column("ended_at", UtcDateTime, nullable=True),
    Column("wait_s", Float, nullable=False),
    Column("talk_s", Float, nullable=False),
    Column("hold_s", Float, nullable=False),
    Column("wrap_up_s", Float, nullable=False),
    Column("sla_breached", Boolean, nullable=False),
    Column("recording_path", Text, nullable=True),
    Column("end_cause", String(64), nullable=True),
    # The hotline day (days since 1970-01-01) and minute of the day of started_at, in the hotline's zone
    # when the record was written: reports group and filter by them (persistence/reports.py).
    Column("local_day", Integer, nullable=True),
    Column("local_minute", SmallInteger, nullable=True),
    # The journal pages newest first (started_at DESC, id DESC) within a period, narrowed by one of
    # these columns: each index holds the whole sort key, so a page is read in order and stops after
    # its last row, and then the direction and status, so those filters (the journal's commonest pairs)
    # are tested in the index, not on each row fetched (migration 0042).
    *_journal_indexes(
        None,
        "operator_id",
        "group_id",
        "line_number",
        "direction",
        "status",
        "case_type_id",
        "caller",
        "called",
    ),
    Index("ix_call_records_local_day_group_id", "local_day", "group_id"),
    # A line and a direction together, in the page's order (migration 0062): the line's index tests the
    # direction on every one of the line's calls, to the end where none matches (a line's outbound
    # calls: 671 ms at 10,000,000 calls).
    Index(LINE_DIRECTION_INDEX, "line_number", "direction", "started_at", "id", "status"),
)

call_intervals = Table(
    "call_intervals",
    metadata,
    # The calls of one 15-minute interval of a hotline day in one queue and group, summed: what the
    # reports read instead of the call records when a report asks nothing finer (persistence/call_rollup.py).
    # No id is NULL here (0 stands for none), so the key is one unique index both databases upsert on.
    Column("local_day", Integer, nullable=False),
    Column("slot", SmallInteger, nullable=False),  # local_minute // 15
    Column("queue_id", Integer, nullable=False),
    Column("group_id", Integer, nullable=False),
    Column("calls", Integer, nullable=False),
    Column("offered", Integer, nullable=False),
    Column("answered", Integer, nullable=False),
    Column("abandoned", Integer, nullable=False),
    Column("short_abandons", Integer, nullable=False),
    Column("answered_within_t", Integer, nullable=False),
    Column("outbound", Integer, nullable=False),
    Column("wait_sum", Float, nullable=False),
    Column("talk_sum", Float, nullable=False),
    Column("hold_sum", Float, nullable=False),
    Column("wrap_up_sum", Float, nullable=False),
    Index("ux_call_intervals_key", "local_day", "slot", "queue_id", "group_id", unique=True),
)

call_legs = Table(
    "call_legs",
    metadata,
    Column("call_id", String(64), ForeignKey("call_records.id", ondelete="CASCADE"), primary_key=True),
    Column("leg_id", String(64), primary_key=True),
    Column("position", Integer, nullable=False),  # the order the legs joined the call
    Column("kind", String(16), nullable=False),
    Column("role", String(16), nullable=False),
    Column("party", String(64), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("answered_at", UtcDateTime, nullable=True),
    Column("ended_at", UtcDateTime, nullable=True),
    Column("cause", String(64), nullable=True),
    Column("jitter_ms", Float, nullable=True),
    Column("loss_percent", Float, nullable=True),
    # The call's own started_at (not the leg's), written with the legs (migration 0055): an operator's
    # own calls include those they took part in as operator or consultant, and the journal pages them
    # from this index in the calls' order, stopping after the page, instead of fetching every call of
    # the user's legs and sorting them all (persistence/calls.py, _took_part_page).
    Column("call_started_at", UtcDateTime, nullable=True),
    *_call_copies(),
    # The user's legs in their calls' order, with the call's filters (migration 0061).
    Index(
        "ix_call_legs_party_call_started_at",
        "party",
        "call_started_at",
        "call_id",
        "role",
        "kind",
        *(f"call_{name}" for name in CALL_COPIES),
    ),
    # An export reads the legs of a batch of calls (consecutive in the calls' order) as one range of this
    # index, holding all it needs, instead of looking up each call's legs (migration 0060).
    Index("ix_call_legs_call_started_at", "call_started_at", "call_id", "position", "role", "kind", "party"),
)

# The conversations in a call's recording, in the file's order (TEL-11): the legs that were in each
# (space-separated leg ids of call_legs, the left channel's first) and when; `mixed`: a conference.
call_recording_segments = Table(
    "call_recording_segments",
    metadata,
    Column("call_id", String(64), ForeignKey("call_records.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("legs", String(400), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("ended_at", UtcDateTime, nullable=True),
    Column("offset_s", Float, nullable=False),  # where it starts in the file
    Column("duration_s", Float, nullable=True),  # None: to the file's end (cut off by a restart)
    Column("mixed", Boolean, nullable=False),
)

# Which case each call belongs to (a case lists its calls; the journal shows each call's cases). The
# cases' repository writes a row whenever a call joins a case; deleting a case deletes its links.
call_cases = Table(
    "call_cases",
    metadata,
    Column("call_id", String(64), primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    # Copies kept true by the writers of calls and cases (migration 0061): the call's start and filtered
    # columns (None until its record is written), and the case's source. A case filter's calls are read
    # from here in the calls' order: a source's from its index, a name's from its cases' links.
    Column("call_started_at", UtcDateTime, nullable=True),
    *_call_copies(),
    Column("case_source", String(16), nullable=True),
    # The case filters read the calls of the matching cases from this index alone (migration 0060), a
    # name's with their copied columns (migration 0061).
    Index(
        "ix_call_cases_case_id_call_id",
        "case_id",
        "call_id",
        "call_started_at",
        *(f"call_{name}" for name in CALL_COPIES),
    ),
    Index(
        "ix_call_cases_case_source_call_started_at",
        "case_source",
        "call_started_at",
        "call_id",
        "case_id",  # a name tested in the index too (migration 0063)
        *(f"call_{name}" for name in CALL_COPIES),
    ),
    # Every link in the calls' order (migration 0062): a name's page walks it newest first, each link's
    # case tested against the name's cases hashed once, and stops after the page, instead of reading the
    # links of every one of the name's cases and sorting them.
    Index(
        LINKS_BY_START_INDEX,
        "call_started_at",
        "call_id",
        "case_id",
        *(f"call_{name}" for name in CALL_COPIES),
    ),
    # The links of the calls of one status in the calls' order (migration 0063): a name's page with a
    # status walks those alone, not every link, where few of them match (an operator's applicant's name
    # + missed: 41 calls, 200 → 140 ms at 10,000,000 calls).
    Index(
        "ix_call_cases_call_status_call_started_at",
        "call_status",
        "call_started_at",
        "call_id",
        "case_id",
        *(f"call_{name}" for name in CALL_COPIES if name != "status"),
    ),
)

# A call's recording once compressed (TEL-11): where the Opus file is, its checksum taken when it was
# written (checked at each read), and, once the group's retention period is over, when and why it was
# deleted (the row stays: a read then answers 410 with the reason). No foreign key, like the records.
recording_files = Table(
    "recording_files",
    metadata,
    Column("call_id", String(64), primary_key=True),
    Column("path", Text, nullable=False),
    Column("codec", String(16), nullable=False),
    Column("bytes", Integer, nullable=False),
    Column("wav_bytes", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("group_id", Integer, nullable=True),
    Column("stored_at", UtcDateTime, nullable=False),
    Column("deleted_at", UtcDateTime, nullable=True),
    Column("deleted_reason", String(64), nullable=True),
    Index("ix_recording_files_stored_at", "stored_at"),
)
