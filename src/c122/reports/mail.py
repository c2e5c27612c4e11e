"""Scheduled reports by e-mail through the SMTP server set in the configuration (smtp_* settings).

smtplib runs in a worker thread, one connection per message, bounded by `smtp_timeout_seconds`: a
scheduled send is rare, and a slow or dead server never holds the event loop."""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from c122.config import Settings
from c122.services.reports.ports import MailRefused, ReportMail

NOT_CONFIGURED = "почтовый сервер не задан в конфигурации (smtp_host): отчёт не отправляется"


class SmtpMailer:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    @property
    def unavailable(self) -> str | None:
        return None if self._settings.smtp_host else NOT_CONFIGURED

    async def send(self, mail: ReportMail) -> None:
        if self.unavailable is not None:
            raise MailRefused(self.unavailable)
        message = self._message(mail)
        try:
            await asyncio.to_thread(self._deliver, message, mail.recipients)
        except (smtplib.SMTPException, OSError) as error:
            raise MailRefused(_reason(error)) from error

    def _message(self, mail: ReportMail) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self._settings.smtp_from
        message["To"] = ", ".join(mail.recipients)
        message["Subject"] = mail.subject
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain=self._settings.smtp_from.rpartition("@")[2] or None)
        message.set_content(mail.body)
        for attachment in mail.attachments:
            main, _, sub = attachment.content_type.partition(";")[0].partition("/")
            message.add_attachment(attachment.data, maintype=main, subtype=sub, filename=attachment.filename)
        return message

    def _deliver(self, message: EmailMessage, recipients: tuple[str, ...]) -> None:
        settings = self._settings
        with smtplib.SMTP(
            settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_seconds
        ) as smtp:
            if settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_username:
                smtp.login(settings.smtp_username, settings.smtp_password)
            smtp.send_message(message, to_addrs=list(recipients))


def _reason(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        refused = ", ".join(
            f"{a}: {code} {text.decode(errors='replace')}" for a, (code, text) in error.recipients.items()
        )
        return f"почтовый сервер отказал получателям ({refused})"[:500]
    if isinstance(error, smtplib.SMTPResponseException):
        text = (
            error.smtp_error.decode(errors="replace")
            if isinstance(error.smtp_error, bytes)
            else error.smtp_error
        )
        return f"почтовый сервер отказал: {error.smtp_code} {text}"[:500]
    if isinstance(error, smtplib.SMTPException):
        return f"почтовый сервер: {error}"[:500]
    return f"почтовый сервер недоступен: {type(error).__name__}: {error}"[:500]
