"""How each operator takes calls (TEL-15, OPS-05): in the browser, or on a SIP phone registered with
their login and a SIP password of their own.

Only H(A1) of the SIP password is stored (for MD5 and SHA-256 digests). The settings are kept in memory
as well, because the SIP stack checks a REGISTER synchronously, without a database round trip.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from c122.domain.clock import Clock
from c122.domain.errors import FieldProblem, InvalidFields, NotFound
from c122.domain.users import Actor
from c122.services.phones.ports import PhoneRecord, PhonesUnitOfWork
from c122.services.ports import UnitOfWorkFactory

Mode = Literal["browser", "sip"]
MIN_SIP_PASSWORD = 8
HashA1 = Callable[[str, str, str, str], str]  # (algorithm, username, realm, password) -> H(A1)


@dataclass(frozen=True)
class SipAccount:
    """What a SIP phone needs to register as this operator."""

    auth_name: str
    domain: str
    proxy: str
    port: int
    transport: str
    registered: bool
    password_set: bool


@dataclass(frozen=True)
class PhoneSettings:
    mode: Mode
    sip: SipAccount


@dataclass(frozen=True)
class SipEndpoint:
    """Where operators' phones register: shown on the settings page."""

    realm: str
    proxy: str
    port: int
    transport: str = "udp"


class OperatorPhoneService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[PhonesUnitOfWork],
        clock: Clock,
        endpoint: SipEndpoint,
        hash_a1: HashA1,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self.endpoint = endpoint
        self._hash_a1 = hash_a1
        self._records: dict[int, PhoneRecord] = {}
        self._logins: dict[int, str] = {}
        self._by_login: dict[str, int] = {}
        self.registered: Callable[[str], bool] = lambda _account: False  # set by telephony

    async def load(self) -> None:
        async with self._uow() as uow:
            records = await uow.phones.all()
            users = await uow.users.list_by_ids(frozenset(r.user_id for r in records))
        self._records = {r.user_id: r for r in records}
        for user in users:
            self._remember(user.id, user.login)

    # -- what the call flow and the SIP stack ask ----------------------------------------------------

    def mode(self, user_id: int) -> Mode:
        record = self._records.get(user_id)
        return "sip" if record is not None and record.mode == "sip" else "browser"

    def account(self, user_id: int) -> str | None:
        return self._logins.get(user_id)

    def audio_connection(self, user_id: int) -> tuple[Mode, bool | None]:
        """For the senior's board: the mode, and whether a SIP phone is registered (None: browser)."""
        mode = self.mode(user_id)
        if mode == "browser":
            return mode, None
        login = self._logins.get(user_id)
        return mode, login is not None and self.registered(login)

    def ha1(self, account: str, algorithm: str) -> str | None:
        """Stored H(A1) of the account's SIP password, for the registrar's digest check."""
        user_id = self._by_login.get(account)
        record = self._records.get(user_id) if user_id is not None else None
        if record is None:
            return None
        return record.ha1_md5 if algorithm.upper() == "MD5" else record.ha1_sha256

    # -- the operator's settings page ------------------------------------------------------------------

    async def settings(self, actor: Actor) -> PhoneSettings:
        login = await self._login(actor.user_id)
        record = self._records.get(actor.user_id)
        return PhoneSettings(
            self.mode(actor.user_id),
            SipAccount(
                auth_name=login,
                domain=self.endpoint.realm,
                proxy=self.endpoint.proxy,
                port=self.endpoint.port,
                transport=self.endpoint.transport,
                registered=self.registered(login),
                password_set=record is not None and record.ha1_md5 is not None,
            ),
        )

    async def update(self, actor: Actor, mode: Mode, sip_password: str | None) -> PhoneSettings:
        login = await self._login(actor.user_id)
        current = self._records.get(actor.user_id) or PhoneRecord(actor.user_id, "browser", None, None)
        problems: list[FieldProblem] = []
        if sip_password is not None and len(sip_password) < MIN_SIP_PASSWORD:
            problems.append(
                FieldProblem(
                    "sip_password",
                    "too_short",
                    f"the SIP password needs at least {MIN_SIP_PASSWORD} characters",
                )
            )
        if mode == "sip" and sip_password is None and current.ha1_md5 is None:
            problems.append(
                FieldProblem("sip_password", "required", "set a SIP password for the phone first")
            )
        if problems:
            raise InvalidFields(problems=problems)
        md5, sha256 = current.ha1_md5, current.ha1_sha256
        if sip_password is not None:
            realm = self.endpoint.realm
            md5 = self._hash_a1("MD5", login, realm, sip_password)
            sha256 = self._hash_a1("SHA-256", login, realm, sip_password)
        record = PhoneRecord(actor.user_id, mode, md5, sha256)
        async with self._uow() as uow:
            await uow.phones.put(record, self._clock.now())
            await uow.audit.record(
                at=self._clock.now(),
                actor_id=actor.user_id,
                action="phone.updated",
                entity="user",
                entity_id=str(actor.user_id),
                detail={"mode": mode, "password_changed": sip_password is not None},
            )
            await uow.commit()
        self._records[actor.user_id] = record
        return await self.settings(actor)

    async def _login(self, user_id: int) -> str:
        login = self._logins.get(user_id)
        if login is None:
            async with self._uow() as uow:
                user = await uow.users.get(user_id)
            if user is None:
                raise NotFound(f"user {user_id} does not exist")
            login = user.login
            self._remember(user_id, login)
        return login

    def _remember(self, user_id: int, login: str) -> None:
        self._logins[user_id] = login
        self._by_login[login] = user_id
