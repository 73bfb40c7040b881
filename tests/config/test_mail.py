"""No request waits on a mail server: messages are queued after commit and a worker delivers
them, retrying with backoff while the server is unreachable."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives

from accounts.services import create_account
from config.celery import app
from config.mail import deliver_email, deserialise, serialise
from tests.conftest import Worker, World, client_for, mails_in
from tests.worker import start_worker, stop_worker, wait_for

QUEUED = "config.mail.QueuedEmailBackend"
SMTP = "django.core.mail.backends.smtp.EmailBackend"


class SilentServer:
    """Accepts connections and never answers: an SMTP server that hangs."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                self.held.append(self.sock.accept()[0])
            except OSError:
                return

    def close(self) -> None:
        for client in self.held:
            client.close()
        self.sock.close()


class TinySMTP:
    """A minimal SMTP server on a port reserved now and opened later (until then connections
    are refused), keeping each message it is given."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.messages: list[str] = []

    def open(self) -> None:
        self.sock.listen(16)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        stream = client.makefile("rwb")

        def reply(line: str) -> None:
            stream.write(line.encode() + b"\r\n")
            stream.flush()

        reply("220 tiny ESMTP")
        while line := stream.readline():
            command = line.decode(errors="replace").strip().upper()
            if command.startswith(("EHLO", "HELO")):
                reply("250 tiny")
            elif command.startswith(("MAIL", "RCPT", "RSET", "NOOP")):
                reply("250 OK")
            elif command == "DATA":
                reply("354 go ahead")
                lines = []
                while (data := stream.readline()) not in (b".\r\n", b""):
                    lines.append(data.decode(errors="replace"))
                self.messages.append("".join(lines))
                reply("250 queued")
            elif command == "QUIT":
                reply("221 bye")
                break
            else:
                reply("502 not implemented")
        client.close()

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def silent_smtp() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.close()


def test_a_message_survives_its_trip_through_the_queue() -> None:
    message = EmailMultiAlternatives(
        subject="Ready",
        body="Plain text — with a dash",
        from_email="a@b.example",
        to=["c@d.example"],
        cc=["e@f.example"],
        reply_to=["g@h.example"],
        headers={"X-Tenant": "punjab"},
    )
    message.attach_alternative("<p>Ready</p>", "text/html")
    message.attach("a.txt", "text attachment", "text/plain")
    message.attach("b.bin", b"\x00\xffbinary", "application/octet-stream")

    rebuilt = deserialise(serialise(message))

    assert rebuilt.message().as_bytes().count(b"binary") == message.message().as_bytes().count(
        b"binary"
    )
    for attribute in ("subject", "body", "from_email", "to", "cc", "reply_to", "alternatives"):
        assert getattr(rebuilt, attribute) == getattr(message, attribute), attribute
    assert rebuilt.extra_headers == {"X-Tenant": "punjab"}
    assert [tuple(a) for a in rebuilt.attachments] == [tuple(a) for a in message.attachments]


@pytest.mark.django_db
def test_a_message_the_broker_cannot_take_is_delivered_by_the_process_itself(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # After commit the message must not be lost with the broker away (an invitation is
    # already recorded as sent). A real broker client on a port nobody listens on refuses it.
    settings.EMAIL_BACKEND = QUEUED
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    unreachable = app.connection_for_write("redis://127.0.0.1:1/0", connect_timeout=0.5)
    original = deliver_email.delay

    def through_the_unreachable_broker(*args: Any, **kwargs: Any) -> Any:
        return deliver_email.apply_async(args, kwargs, connection=unreachable, retry=False)

    deliver_email.delay = through_the_unreachable_broker
    try:
        mail.outbox = []
        with django_capture_on_commit_callbacks(execute=True):
            mail.send_mail("Invitation", "Set your password", None, ["officer@punjab.example"])
    finally:
        deliver_email.delay = original
        unreachable.release()

    assert [m.subject for m in mail.outbox] == ["Invitation"]


def test_a_request_that_sends_mail_returns_while_the_mail_server_hangs(
    world: World, celery_worker: Worker, committed: None, settings: Any, silent_smtp: SilentServer
) -> None:
    """The password-reset e-mail (allauth's) is sent from the worker, not from the request."""
    settings.EMAIL_BACKEND = QUEUED  # the production arrangement (tests default to locmem)
    settings.EMAIL_DELIVERY_BACKEND = SMTP
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", silent_smtp.port
    email = f"forgetful-{uuid.uuid4().hex[:8]}@board.example"
    create_account(email=email, full_name="Forgetful Federal", password="Some-Pass-2026!")

    started = time.perf_counter()
    response = client_for(world.control_host).post("/accounts/password/reset/", {"email": email})
    elapsed = time.perf_counter() - started

    assert response.status_code == 302, response.content.decode()[:1000]
    assert elapsed < settings.EMAIL_TIMEOUT / 2, f"the request waited {elapsed:.1f} s"
    reset = wait_for(
        lambda: next((m for m in mails_in(celery_worker.mail_dir) if email in m), None),
        timeout=30,
        what="the worker to deliver the password reset",
        log=celery_worker.log,
    )
    assert "/accounts/password/reset/key/" in reset


@pytest.fixture
def own_queue(tmp_path: Path) -> Iterator[str]:
    queue = f"mail-test-{tmp_path.name}"
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    yield queue
    app.conf.task_default_queue = previous


def test_a_failed_delivery_is_logged_and_retried_with_backoff_until_it_goes_out(
    world: World, committed: None, settings: Any, own_queue: str, tmp_path: Path
) -> None:
    smtp = TinySMTP()  # refuses connections until opened
    log = tmp_path / "worker.log"
    worker = start_worker(
        log,
        queue=own_queue,
        env={
            "EMAIL_BACKEND": SMTP,
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp.port),
            "EMAIL_USE_TLS": "false",
            "EMAIL_RETRY_SECONDS": "0.5",
        },
    )
    settings.EMAIL_BACKEND = QUEUED
    try:
        mail.send_mail("Held up", "It gets there.", None, ["patient@board.example"])
        wait_for(
            lambda: log.read_text().count("not delivered") >= 2 or None,
            timeout=60,
            what="two failed deliveries",
            log=log,
        )
        smtp.open()
        wait_for(lambda: smtp.messages or None, timeout=60, what="the delivery", log=log)
    finally:
        stop_worker(worker)
        smtp.close()

    text = log.read_text()
    assert "e-mail 'Held up' to patient@board.example not delivered" in text
    assert "retrying in" in text
    assert "e-mail 'Held up' delivered to patient@board.example" in text
    [delivered] = smtp.messages
    assert "It gets there." in delivered


def test_mails_in_counts_messages_appended_to_one_file(tmp_path: Path) -> None:
    """The file backend appends two sends to one file when they share a second and an id."""
    from django.core.mail.backends.filebased import EmailBackend

    backend = EmailBackend(file_path=str(tmp_path))
    backend.send_messages(
        [
            EmailMultiAlternatives("One", "first body", "a@x.example", ["b@x.example"]),
            EmailMultiAlternatives("Two", "second body", "a@x.example", ["c@x.example"]),
        ]
    )
    backend.send_messages(
        [EmailMultiAlternatives("Three", "third", "a@x.example", ["d@x.example"])]
    )
    assert len(list(tmp_path.glob("*.log"))) == 1
    found = mails_in(tmp_path)
    assert [("first body" in m, "third" in m) for m in found] == [
        (True, False),
        (False, False),
        (False, True),
    ]
