"""E-mail that never holds up a request: Django's EMAIL_BACKEND queues, a worker delivers.

`QueuedEmailBackend` is Django's e-mail backend (settings.EMAIL_BACKEND), so every message
(ours, allauth's, Django's own) goes through it. It sends nothing itself: once the current
transaction commits it queues one `deliver_email` task per message, carrying the message as
plain data. The worker rebuilds the message and delivers it with the real backend,
settings.EMAIL_DELIVERY_BACKEND (what the environment's EMAIL_BACKEND names: SMTP in
production). A delivery that fails is logged and retried with backoff
(EMAIL_DELIVERY_RETRIES times, waiting EMAIL_RETRY_SECONDS, then twice as long each time).

Queuing after commit means a message about something that was rolled back is never sent, and
a message is never sent before the records it speaks of (an invitation's account) exist.
"""

from __future__ import annotations

import base64
import logging
import random
from collections.abc import Sequence
from email.mime.base import MIMEBase
from functools import partial
from smtplib import SMTPException
from typing import Any

from celery import Task
from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction

from config.celery import app

log = logging.getLogger(__name__)

Payload = dict[str, Any]


class QueuedEmailBackend(BaseEmailBackend):
    """Queues each message for a worker once the transaction commits; returns how many."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        payloads = [serialise(message) for message in email_messages if message.recipients()]
        for payload in payloads:
            transaction.on_commit(partial(_queue, payload))
        return len(payloads)


def _queue(payload: Payload) -> None:
    try:
        deliver_email.delay(payload)
    except Exception:
        # The transaction has committed (an invitation is recorded as sent, say): a broker that
        # is down must not lose the message, so this process delivers it itself, once, paying
        # the SMTP round trip only while the broker is away.
        log.warning(
            "could not queue an e-mail to %s; delivering it now",
            ", ".join(payload["to"]),
            exc_info=True,
        )
        deliver_now(payload)


def send_with_delivery_backend(payload: Payload) -> None:
    """Sends one message with the real backend (EMAIL_DELIVERY_BACKEND); SMTPException or
    OSError when the server does not take it."""
    connection = get_connection(settings.EMAIL_DELIVERY_BACKEND, fail_silently=False)
    connection.send_messages([deserialise(payload)])


def deliver_now(payload: Payload) -> bool:
    """Delivers one message in this process with the real backend; False (logged) on failure."""
    try:
        send_with_delivery_backend(payload)
    except (SMTPException, OSError):
        log.exception(
            "e-mail %r to %s could be neither queued nor delivered",
            payload["subject"],
            ", ".join(payload["to"] + payload["cc"] + payload["bcc"]),
        )
        return False
    return True


def serialise(message: EmailMessage) -> Payload:
    """The message as JSON-safe data (subject, body, addresses, headers, parts)."""
    attachments = []
    for attachment in message.attachments:
        if isinstance(attachment, MIMEBase):
            filename = attachment.get_filename()
            content: Any = attachment.get_payload(decode=True)
            mimetype = attachment.get_content_type()
        else:
            filename, content, mimetype = attachment
        attachments.append(
            {"filename": filename, "mimetype": mimetype}
            | (
                {"text": content}
                if isinstance(content, str)
                else {"base64": base64.b64encode(content).decode("ascii")}
            )
        )
    return {
        "subject": str(message.subject),
        "body": str(message.body),
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": {str(k): str(v) for k, v in message.extra_headers.items()},
        "content_subtype": message.content_subtype,
        "mixed_subtype": message.mixed_subtype,  # type: ignore[attr-defined]  # a class attribute the stubs leave out
        "encoding": message.encoding,
        "alternatives": [
            [str(content), mimetype] for content, mimetype in getattr(message, "alternatives", [])
        ],
        "attachments": attachments,
    }


def deserialise(payload: Payload) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=payload["subject"],
        body=payload["body"],
        from_email=payload["from_email"],
        to=payload["to"],
        cc=payload["cc"],
        bcc=payload["bcc"],
        reply_to=payload["reply_to"],
        headers=payload["headers"],
    )
    message.content_subtype = payload["content_subtype"]
    message.mixed_subtype = payload["mixed_subtype"]  # type: ignore[attr-defined]  # as above
    message.encoding = payload["encoding"]
    for content, mimetype in payload["alternatives"]:
        message.attach_alternative(content, mimetype)
    for attachment in payload["attachments"]:
        data = attachment.get("text")
        if data is None:
            data = base64.b64decode(attachment["base64"])
        message.attach(attachment["filename"], data, attachment["mimetype"])
    return message


def retry_seconds(retries_so_far: int) -> float:
    """EMAIL_RETRY_SECONDS, then twice as long each time (at most an hour), with jitter."""
    wait = min(3600.0, settings.EMAIL_RETRY_SECONDS * 2.0**retries_so_far)
    return wait * random.uniform(0.8, 1.2)  # noqa: S311 - not a secret


@app.task(bind=True, max_retries=settings.EMAIL_DELIVERY_RETRIES, acks_late=True)
def deliver_email(self: Task, payload: Payload) -> bool:
    """Delivers one queued message with the real backend; retries with backoff on failure."""
    recipients = ", ".join(payload["to"] + payload["cc"] + payload["bcc"])
    try:
        send_with_delivery_backend(payload)
    except (SMTPException, OSError) as error:
        if self.request.retries >= self.max_retries:
            log.error(
                "e-mail %r to %s not delivered after %d attempts: %s",
                payload["subject"],
                recipients,
                self.request.retries + 1,
                error,
            )
            return False
        wait = retry_seconds(self.request.retries)
        log.warning(
            "e-mail %r to %s not delivered (%s); retrying in %.0f s",
            payload["subject"],
            recipients,
            error,
            wait,
        )
        raise self.retry(countdown=wait, exc=error) from error
    log.info("e-mail %r delivered to %s", payload["subject"], recipients)
    return True
