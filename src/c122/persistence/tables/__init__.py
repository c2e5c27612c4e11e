"""The relational schema, as SQLAlchemy Core tables, one module per feature on the one `metadata` of
`base.py`. Importing the package registers every table (the feature modules are imported here, so
`metadata` is complete); Alembic migrations create exactly this."""

from c122.persistence.tables import (
    board,
    bot,
    calls,
    cases,
    citizen,
    help_requests,
    ivr,
    lookups,
    messages,
    messenger,
    phone_book,
    phones,
    push,
    reports,
    routing,
    sms,
    supervision,
    telephony,
    trunks,
)
from c122.persistence.tables.accounts import api_tokens, sessions, user_groups, users
from c122.persistence.tables.audit import audit_log
from c122.persistence.tables.base import UtcDateTime, metadata
from c122.persistence.tables.contact_center import (
    acd_meta,
    acd_records,
    operator_skills,
    operator_state_log,
    queue_log,
    queue_members,
)
from c122.persistence.tables.organisation import case_types, groups, lines, queues, services, shifts

__all__ = [
    "UtcDateTime",
    "acd_meta",
    "acd_records",
    "api_tokens",
    "audit_log",
    "board",
    "bot",
    "calls",
    "case_types",
    "cases",
    "citizen",
    "groups",
    "help_requests",
    "ivr",
    "lines",
    "lookups",
    "messages",
    "messenger",
    "metadata",
    "operator_skills",
    "operator_state_log",
    "phone_book",
    "phones",
    "push",
    "queue_log",
    "queue_members",
    "queues",
    "reports",
    "routing",
    "services",
    "sessions",
    "shifts",
    "sms",
    "supervision",
    "telephony",
    "trunks",
    "user_groups",
    "users",
]
