"""Lookup plug-ins (ADM-04, OPS-26): outside registries an operator queries during a call by phone,
SNILS, OMS policy or name. The rules here are pure: what a lookup's settings must hold, how a key is
normalised before it reaches a registry, how a registry's answer is mapped to the card's fields, and
the circuit breaker that keeps a dead registry from blocking the desk."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from c122.domain.errors import FieldProblem, InvalidFields
from c122.domain.users import Role


class LookupKind(StrEnum):
    HTTP = "http"  # an HTTP/JSON service: a URL template, headers, a field mapping
    SQL = "sql"  # another database by SQLAlchemy URL, one parameterised SELECT, run read-only
    PLUGIN = "plugin"  # a Python plug-in registered as an entry point of the group `c122.lookups`


class KeyKind(StrEnum):
    PHONE = "phone"
    SNILS = "snils"
    OMS = "oms"
    NAME = "name"


PLUGIN_GROUP = "c122.lookups"
MAX_ROWS = 50  # rows shown in the card; a registry answering more is cut, and the card says so
MAX_TIMEOUT_MS = 30_000
MAX_CACHE_S = 86_400
_FIELD = re.compile(r"^\w[\w -]{0,63}(\.\w[\w -]{0,63}){0,7}$")  # a dot path; CSV columns may be Cyrillic
_NAME_MAX = 100


@dataclass(frozen=True)
class LookupDraft:
    """What an administrator submits. `secret` holds the credentials (the SQL URL, header values);
    None on an update keeps the stored ones, since the API never returns them."""

    name: str
    kind: LookupKind
    key_kinds: frozenset[KeyKind]
    roles: frozenset[Role]
    timeout_ms: int = 3000
    cache_s: int = 60
    enabled: bool = True
    url_template: str = ""  # http: `{value}` and `{key}` are replaced, URL-encoded
    query: str = ""  # sql: a SELECT with the bound parameter `:value` (and optionally `:key`)
    plugin: str = ""  # plugin: the entry point's name
    options: dict[str, str] = field(default_factory=dict)  # plugin: its own settings (not secret)
    mapping: dict[str, str] = field(default_factory=dict)  # card label -> field (dot path) of a row
    rows_path: str = ""  # http: where the list of rows is in the JSON answer (dot path; "" = root)
    secret: LookupSecret | None = None


@dataclass(frozen=True)
class LookupSecret:
    url: str = ""  # sql: the SQLAlchemy URL with its password
    headers: dict[str, str] = field(default_factory=dict)  # http: e.g. Authorization


@dataclass(frozen=True)
class Lookup:
    id: int
    draft: LookupDraft  # with the stored secret
    version: int


@dataclass(frozen=True)
class LookupRow:
    fields: list[tuple[str, str]]  # (label, value) in the mapping's order


def _problem(problems: list[FieldProblem], path: str, code: str, message: str) -> None:
    problems.append(FieldProblem(path, code, message))


def checked_lookup(draft: LookupDraft, *, stored_secret: LookupSecret | None) -> LookupDraft:
    """The draft with its secret resolved (the stored one when none is sent), or every problem at once."""
    problems: list[FieldProblem] = []
    name = draft.name.strip()
    if not name or len(name) > _NAME_MAX:
        _problem(problems, "name", "invalid", f"название: от 1 до {_NAME_MAX} символов")
    if not draft.key_kinds:
        _problem(problems, "key_kinds", "required", "укажите, по чему ищет справочник")
    if not draft.roles:
        _problem(problems, "roles", "required", "укажите, кому разрешены запросы")
    if not 100 <= draft.timeout_ms <= MAX_TIMEOUT_MS:
        _problem(problems, "timeout_ms", "out_of_range", f"тайм-аут: от 100 до {MAX_TIMEOUT_MS} мс")
    if not 0 <= draft.cache_s <= MAX_CACHE_S:
        _problem(problems, "cache_s", "out_of_range", f"кэш: от 0 до {MAX_CACHE_S} с")
    for label, path in draft.mapping.items():
        if not label.strip() or len(label) > 64 or not _FIELD.match(path):
            _problem(problems, "mapping", "invalid", f"поле «{label}»: имя поля ответа вида a.b")
    secret = draft.secret if draft.secret is not None else stored_secret or LookupSecret()
    if draft.kind is LookupKind.HTTP:
        _check_url_template(draft.url_template, problems)
        if draft.rows_path and not _FIELD.match(draft.rows_path):
            _problem(problems, "rows_path", "invalid", "путь к списку строк: имя поля вида a.b")
        for header in secret.headers:
            if not re.fullmatch(r"[A-Za-z0-9-]{1,64}", header):
                _problem(problems, "headers", "invalid", f"заголовок «{header}»: латиница, цифры, «-»")
    elif draft.kind is LookupKind.SQL:
        _check_query(draft.query, problems)
        if not re.match(r"^(postgresql|sqlite)(\+\w+)?://", secret.url.strip()):
            _problem(problems, "url", "invalid", "адрес базы: postgresql://… или sqlite:///…")
    elif not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", draft.plugin):
        _problem(problems, "plugin", "required", "укажите имя подключаемого модуля")
    if problems:
        raise InvalidFields(problems)
    return LookupDraft(
        name=name,
        kind=draft.kind,
        key_kinds=draft.key_kinds,
        roles=draft.roles,
        timeout_ms=draft.timeout_ms,
        cache_s=draft.cache_s,
        enabled=draft.enabled,
        url_template=draft.url_template.strip() if draft.kind is LookupKind.HTTP else "",
        query=draft.query.strip() if draft.kind is LookupKind.SQL else "",
        plugin=draft.plugin if draft.kind is LookupKind.PLUGIN else "",
        options=dict(draft.options) if draft.kind is LookupKind.PLUGIN else {},
        mapping=dict(draft.mapping),
        rows_path=draft.rows_path if draft.kind is LookupKind.HTTP else "",
        secret=secret,
    )


def _check_url_template(template: str, problems: list[FieldProblem]) -> None:
    if not re.match(r"^https?://[^\s/]+", template.strip()):
        _problem(problems, "url_template", "invalid", "адрес: http:// или https://")
        return
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError:
        _problem(problems, "url_template", "invalid", "адрес: непарная фигурная скобка")
        return
    if "value" not in names:
        _problem(problems, "url_template", "invalid", "адрес должен содержать {value}")
    if not names <= {"value", "key"}:
        _problem(problems, "url_template", "invalid", "в адресе допустимы только {value} и {key}")


def _check_query(query: str, problems: list[FieldProblem]) -> None:
    text = query.strip().rstrip(";").strip()
    if not re.match(r"^(select|with)\b", text, re.IGNORECASE):
        _problem(problems, "query", "not_select", "запрос должен начинаться с SELECT или WITH")
    elif ";" in text:
        _problem(problems, "query", "several_statements", "допустим один запрос, без «;»")
    elif ":value" not in text:
        _problem(problems, "query", "no_parameter", "запрос должен содержать параметр :value")


def normalised_key(kind: KeyKind, raw: str) -> str:
    """The key as registries expect it: phone as +7 and ten digits, SNILS and OMS as bare digits,
    a name with single spaces. Bad input is refused here, before it reaches any registry."""
    value = " ".join(raw.split())
    digits = "".join(ch for ch in value if ch.isdigit())
    if kind is KeyKind.PHONE:
        if len(digits) == 11 and digits[0] in "78":
            digits = digits[1:]
        if len(digits) != 10:
            raise InvalidFields([FieldProblem("value", "invalid", "телефон: 10 цифр после +7")])
        return "+7" + digits
    if kind is KeyKind.SNILS:
        if len(digits) != 11 or not snils_checksum_ok(digits):
            raise InvalidFields(
                [FieldProblem("value", "invalid", "СНИЛС: 11 цифр с верной контрольной суммой")]
            )
        return digits
    if kind is KeyKind.OMS:
        if len(digits) != 16:
            raise InvalidFields([FieldProblem("value", "invalid", "полис ОМС: 16 цифр")])
        return digits
    if not 2 <= len(value) <= 200:
        raise InvalidFields([FieldProblem("value", "invalid", "ФИО: от 2 до 200 символов")])
    return value


def snils_checksum_ok(digits: str) -> bool:
    """The Pension Fund's check: the weighted sum of the nine digits, mod 101 (100 and 101 give 00).
    Numbers up to 001-001-998 carry no checksum."""
    number, check = digits[:9], int(digits[9:])
    if int(number) <= 1_001_998:
        return True
    total = sum(int(d) * (9 - i) for i, d in enumerate(number))
    expected = total if total < 100 else 0 if total in (100, 101) else total % 101
    return (0 if expected == 100 else expected) == check


def dig(data: Any, path: str) -> Any:
    """The value at a dot path (`a.b.0`), or None where the path leads nowhere."""
    if not path:
        return data
    for part in path.split("."):
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "да" if value else "нет"
    return str(value)[:500]


def mapped_rows(rows: list[dict[str, Any]], mapping: dict[str, str]) -> list[LookupRow]:
    """Each row reduced to the mapped fields, labelled for the card; without a mapping, every
    top-level field as it came."""
    out: list[LookupRow] = []
    for row in rows[:MAX_ROWS]:
        if mapping:
            out.append(LookupRow([(label, _shown(dig(row, path))) for label, path in mapping.items()]))
        else:
            out.append(LookupRow([(str(k), _shown(v)) for k, v in row.items()]))
    return out


@dataclass
class CircuitBreaker:
    """Opens after `threshold` failures in a row; while open, queries are refused at once (the desk
    is not kept waiting). After `cool_down_s` one trial query goes through: success closes it, a
    failure opens it again."""

    threshold: int = 3
    cool_down_s: float = 30.0
    failures: int = 0
    opened_at: float | None = None

    def allows(self, now: float) -> bool:
        if self.opened_at is None:
            return True
        return now - self.opened_at >= self.cool_down_s

    def succeeded(self) -> None:
        self.failures = 0
        self.opened_at = None

    def failed(self, now: float) -> None:
        self.failures += 1
        if self.failures >= self.threshold or self.opened_at is not None:
            self.opened_at = now

    @property
    def state(self) -> str:
        return "closed" if self.opened_at is None else "open"


def shown_url(url: str) -> str:
    """A database URL as the screen may show it: the password replaced by ***."""
    return re.sub(r"^([a-z0-9+]+://[^:/@]*):[^@]*@", r"\1:***@", url.strip())
