"""What the HTTP layer is given by the bootstrap: settings and the use cases it calls."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import Request

from c122.config import Settings
from c122.realtime.handover import StreamHandover
from c122.realtime.hub import EventHub
from c122.services.abandoned.service import AbandonedCalls
from c122.services.accounts.presence import PresenceService
from c122.services.accounts.service import AuthService
from c122.services.audit.service import AuditTrail
from c122.services.board.service import Board
from c122.services.bot.app import AppConversations
from c122.services.bot.service import ChatBot
from c122.services.bot.sms import SmsConversations
from c122.services.call_flow import CallFlowService
from c122.services.calls.recordings import RecordingUpkeep
from c122.services.calls.service import CallRecordService
from c122.services.cases.service import CaseServices
from c122.services.citizen.chat import CaseChat
from c122.services.citizen.service import CitizenApp
from c122.services.citizen_call.service import CitizenCalls
from c122.services.contact_center import ContactCenter
from c122.services.contact_center.membership import QueueMembership
from c122.services.exports.service import ExportAccess, ExportJobs
from c122.services.health.service import HealthService
from c122.services.help_requests.service import HelpRequests
from c122.services.intake.service import Intake
from c122.services.ivr.prompts import PromptService
from c122.services.ivr.service import IvrFlowService
from c122.services.lookups.service import Lookups
from c122.services.messages.service import Messages
from c122.services.messenger.service import MessengerChannel
from c122.services.organisation.directory import Directory
from c122.services.organisation.service import OrganisationAdmin
from c122.services.phone_book.service import PhoneBook
from c122.services.phones.service import OperatorPhoneService
from c122.services.phones.softphone import NoSoftphoneMedia, SoftphoneMedia
from c122.services.push.service import AppPush
from c122.services.reports.schedules import ReportSchedules
from c122.services.reports.service import Reports
from c122.services.routing.service import RoutingRules
from c122.services.sms.service import SmsChannel
from c122.services.statistics.service import (
    CallStatistics,
    RecentCaseTypes,
    ShiftClock,
    ShiftStatistics,
    StaffingPlanner,
)
from c122.services.supervision.monitoring import Monitoring
from c122.services.supervision.service import Supervision
from c122.services.trunks.service import TrunkAdmin


@dataclass(frozen=True)
class ApiContext:
    settings: Settings
    auth: AuthService
    presence: PresenceService
    organisation: OrganisationAdmin
    directory: Directory
    health: HealthService
    supervision: Supervision
    hub: EventHub
    contact_center: ContactCenter
    membership: QueueMembership
    cases: CaseServices  # case cards, applicants, questionnaires
    ivr_flows: IvrFlowService  # IVR flows, versioned
    prompts: PromptService  # voice prompts and announcement words
    calls: CallRecordService  # call records: the call journal and recordings
    phones: OperatorPhoneService  # how each operator takes calls: browser or SIP phone
    shift_clock: ShiftClock  # the hotline's shifts as the statistics read them
    audit: AuditTrail  # the audit trail viewer (administrators)
    messages: Messages  # messages, broadcasts and notification settings
    board: Board  # the message board: notices seniors pin for their groups
    phone_book: PhoneBook  # speed-dial numbers, favourites, colleagues
    trunks: TrunkAdmin  # carrier trunks, applied to the running telephony
    routing: RoutingRules  # routing rules per line, number lists, the production calendar (TEL-04)
    abandoned: AbandonedCalls  # callers who hung up while waiting, and calling them back
    exports: ExportJobs  # exported files and background export jobs
    recording_upkeep: RecordingUpkeep  # recordings compressed after the call, deleted after retention
    export_access: ExportAccess  # their state and files as the API serves them, audited
    shift_statistics: ShiftStatistics  # the current shift's figures, kept by a running tally
    staffing: StaffingPlanner  # operators needed per interval, by Erlang C
    call_statistics: CallStatistics  # inbound and outbound figures over a period (TEL-08, SUP-10)
    recent_cases: RecentCaseTypes  # cases by type for the last 24 hours (OPS-28, fig. 62)
    reports: Reports  # user-defined reports, their runs, exports and saved reports
    report_schedules: ReportSchedules  # saved reports e-mailed daily, weekly or monthly
    help_requests: HelpRequests  # «Помощь старшего»: operators ask the seniors on shift for help
    sms: SmsChannel  # SMS to and from applicants through the gateway
    citizen: CitizenApp  # the citizen API: devices, their requests, media and chat
    intake: Intake  # every text channel's way in: incoming texts and bots' hand-overs (OPS-25)
    case_chat: CaseChat  # the conversation of a case as the operator's card shows it
    lookups: Lookups  # outside registries queried from the card (lookup plug-ins)
    citizen_calls: CitizenCalls  # voice calls from the citizen app to the hotline
    bot: ChatBot  # the chat bot on text channels, their settings, outside bots' hand-over
    messenger: MessengerChannel  # the Telegram bot's chats
    sms_conversations: SmsConversations  # incoming SMS, answered by the bot when SMS has one
    app_bot: AppConversations  # the citizen app's chat with the app channel's bot
    push: AppPush  # push to the citizen app and broadcasts to its users
    call_flow: CallFlowService | None = None  # the calls on the lines; None without telephony
    softphone: SoftphoneMedia = field(default_factory=NoSoftphoneMedia)  # browser audio legs (rtc.*)
    monitoring: Monitoring | None = None  # seniors listening to, whispering to, barging into calls
    handover: StreamHandover | None = None  # streams taken over from another node; None on one node


def context_of(request: Request) -> ApiContext:
    context: ApiContext = request.app.state.context
    return context
