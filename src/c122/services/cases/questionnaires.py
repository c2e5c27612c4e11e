"""Questionnaire scripts per case type (OPS-15): administrators save versions, operators answer them on a
card. Bound answers fill the applicant and the case in the same transaction, or nothing is stored."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import tzinfo

from c122.domain.cases import (
    ApplicantData,
    Question,
    Script,
    apply_answers,
    read_answers,
    update_details,
    validate_script,
)
from c122.domain.clock import Clock
from c122.domain.errors import Conflict, FieldProblem, Forbidden, InvalidFields, NotFound
from c122.domain.users import Actor
from c122.services.access_audit import refusals_audited
from c122.services.cases.access import PERSONAL_FIELDS, require_visible, require_worker, sees_personal_data
from c122.services.cases.cards import CaseCard, card_of
from c122.services.cases.events import CASE_UPDATED, case_event
from c122.services.cases.ports import CasesUnitOfWork
from c122.services.events import EventPublisher
from c122.services.ports import UnitOfWorkFactory

PERSONAL_BINDINGS = frozenset(f"applicant.{field}" for field in PERSONAL_FIELDS)


class Questionnaires:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[CasesUnitOfWork],
        clock: Clock,
        publisher: EventPublisher,
        zone: tzinfo,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._publisher = publisher
        self._zone = zone

    async def scripts(self, case_type_id: int) -> list[Script]:
        async with self._uow() as uow:
            if await uow.case_types.get(case_type_id) is None:
                raise NotFound("no such case type")
            return await uow.cases.scripts(case_type_id)

    async def save_script(
        self,
        actor: Actor,
        case_type_id: int,
        *,
        script_id: int | None,
        version: int | None,
        title: str,
        questions: Sequence[Question],
    ) -> Script:
        """A new script, or the next version of `script_id` edited from `version` (the one the editor
        loaded): a version saved meanwhile by another administrator is a conflict, not an overwrite."""
        if not actor.is_admin:
            raise Forbidden("scripts are edited by administrators")
        now = self._clock.now()
        async with self._uow() as uow:
            if await uow.case_types.get(case_type_id) is None:
                raise NotFound("no such case type")
            if script_id is None:
                draft = Script(None, case_type_id, title.strip(), 1, tuple(questions))
            else:
                current = await uow.cases.script(script_id)
                if current is None or current.case_type_id != case_type_id:
                    raise NotFound("no such script")
                if version != current.version:
                    raise Conflict(
                        "скрипт уже изменён другим администратором: обновите его", code="edit_conflict"
                    )
                draft = current.revised(title=title.strip(), questions=tuple(questions))
            problems = validate_script(draft)
            if problems:
                raise InvalidFields(problems)
            if script_id is None:
                saved = await uow.cases.add_script(draft, now, actor.user_id)
            elif await uow.cases.save_script_version(draft, now, actor.user_id):
                saved = draft
            else:
                raise Conflict(
                    "скрипт уже изменён другим администратором: обновите его", code="edit_conflict"
                )
            await uow.audit.record(
                at=now,
                actor_id=actor.user_id,
                action="save_script",
                entity="case_script",
                entity_id=str(saved.id),
                detail={"version": saved.version},
            )
            await uow.commit()
        return saved

    async def answer(
        self,
        actor: Actor,
        case_id: int,
        script_id: int,
        raw: Mapping[str, object],
        *,
        script_version: int | None,
    ) -> CaseCard:
        """Stores answers given on a card (merged with earlier answers to the same script version) and
        fills the bound fields. Any bad answer: every problem at `answers.<question>`, nothing stored."""
        refusals = refusals_audited(
            self._uow, self._clock, actor, wanted="edit_card", entity="case", entity_id=case_id
        )
        async with refusals:
            return await self._answer(actor, case_id, script_id, raw, script_version=script_version)

    async def _answer(
        self,
        actor: Actor,
        case_id: int,
        script_id: int,
        raw: Mapping[str, object],
        *,
        script_version: int | None,
    ) -> CaseCard:
        require_worker(actor)
        now = self._clock.now()
        async with self._uow() as uow:
            case = require_visible(actor, await uow.cases.get_case(case_id))
            assert case.id is not None
            script = await uow.cases.script(script_id, script_version)
            if script is None:
                raise InvalidFields(
                    [FieldProblem("script_id", "not_found", "нет такого скрипта или его версии")]
                )
            earlier = {
                sheet.script_id: stored
                for sheet, stored in await uow.cases.answers(case.id)
                if sheet.script_version == script.version
            }
            merged = {**earlier.get(script_id, {}), **raw}
            sheet = read_answers(script, merged)
            answered = {q.binding for q in script.questions if q.id in raw and q.binding}
            if answered & PERSONAL_BINDINGS and not sees_personal_data(actor, case):
                raise Forbidden("медицинские данные, СНИЛС и полис ОМС заполняет тот, кто ведёт обращение")
            applicant = await uow.cases.get_applicant(case.applicant_id) if case.applicant_id else None
            today = now.astimezone(self._zone).date()
            bound = apply_answers(
                script, sheet, applicant.data if applicant else ApplicantData(), case.details, today=today
            )
            changed = case
            if applicant is not None and bound.applicant != applicant.data:
                if await uow.cases.save_applicant(applicant, bound.applicant, now) is None:
                    raise Conflict("данные заявителя только что изменились: повторите", code="edit_conflict")
            elif applicant is None and bound.applicant != ApplicantData():
                added = await uow.cases.add_applicant(bound.applicant, now)
                changed = replace(case, applicant_id=added.id, version=case.version + 1, updated_at=now)
            changed = update_details(changed, bound.details, at=now)
            if changed is case:
                # Answers alone still change the card others see: bump the version they compare.
                changed = replace(case, version=case.version + 1, updated_at=now)
            if not await uow.cases.save_case(case, changed):
                raise Conflict(
                    "карточку только что изменил другой оператор: обновите её", code="edit_conflict"
                )
            await uow.cases.save_answers(case.id, sheet, merged, actor.user_id, now)
            card = await card_of(uow, actor, changed, now)
            await uow.commit()
        self._publisher.publish(case_event(CASE_UPDATED, card.row, now))
        return card
