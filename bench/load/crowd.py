"""The crowd: officers as Locust users, signing in through the sign-in form and working through
the e-office's own forms. Run by bench/load/run.py and bench/load/faults.py as a child process
(Locust patches the standard library for gevent on import: that stays out of the process
that runs the stack):

    python -m bench.load.crowd PLAN.json RESULT.json

The plan names the server, the officers and the scenario: `spread` (sign-ins at Poisson
arrivals over `ramp` seconds), `burst` (all at one instant) or `work` (signed in over `ramp`
seconds, then each officer every `think` seconds opens the inbox, opens a file, writes and
saves a note, forwards the file, registers a receipt and searches the register, for
`seconds`). An officer opens the sign-in page before their arrival and presses Sign in at
it: a sign-in is timed from the press to its answer, the redirect carrying the session; the
page it leads to is timed as "home after sign-in". Redirects are followed by hand, so a
sign-in page reached from a valid session (a forced logout) is seen for what it is, and every
hop is timed within its action.
"""

from __future__ import annotations

import json
import random
import re
import sys
import time
import urllib.parse
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gevent  # type: ignore[import-untyped]
from locust import task
from locust.contrib.fasthttp import FastHttpUser
from locust.env import Environment

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.web import CSRF_TOKEN, SIGNED_IN_MARK

PASSWORD = "Bench-Load-2026"  # bench/load/data.py's
REDIRECTS = {301, 302, 303, 307, 308}
FILE_LINK = re.compile(rb'href="/items/(\d+)/">[^<]*</a> <span class="kind kind-file">')
OPTION = re.compile(rb'<option value="(\d+)"')
SENTENCES = [
    "The matter has been examined in the light of the relevant rules.",
    "A draft reply is placed below for approval, please.",
    "The record has been checked and the facts stated above are correct.",
    "The case may be submitted to the competent authority for orders.",
    "Budget provision exists under the relevant head of account.",
]
SENDERS = ["Deputy Commissioner, Lahore", "Finance Department", "Audit Department"]


@dataclass
class Plan:
    base: str
    scenario: str  # spread | burst | work
    officers: list[dict[str, Any]]  # host, email, post_id, posts, search_word, arrival
    ramp: float = 60.0
    seconds: float = 0.0  # of work after the ramp
    think: tuple[float, float] = (10.0, 30.0)
    timeout: float = 600.0
    start_in: float = 5.0  # seconds for every user to be spawned before the first arrival


@dataclass
class Results:
    started: float = 0.0  # wall clock (time.time) of the plan's zero
    actions: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter[str] = field(default_factory=Counter)
    error_samples: list[str] = field(default_factory=list)
    sign_ins: list[tuple[float, float]] = field(default_factory=list)  # (finished at, seconds)
    login_errors: int = 0
    forced_logouts: int = 0
    forced_by_403: int = 0
    refused: int = 0  # 403s to a session that is still signed in: not a logout
    server_errors: int = 0
    status_counts: Counter[str] = field(default_factory=Counter)
    acknowledged: list[list[str]] = field(default_factory=list)  # host, marker, file, email
    notes_not_shown: int = 0
    timeline: list[tuple[float, str, bool]] = field(default_factory=list)  # (t, action, ok)

    def error(self, action: str, detail: str) -> None:
        self.errors[action] += 1
        if len(self.error_samples) < 30:
            self.error_samples.append(f"{action}: {detail}"[:300])


PLAN: Plan
RESULTS = Results()
ZERO = 0.0  # time.monotonic() of the plan's zero
MEASURE_FROM = 0.0  # actions before it (while the crowd signs in) are not in the work figures


class Failed(Exception):
    """An action whose answer was not what a working e-office gives."""


class Action:
    """One officer action: its requests, timed together; failed if any hop failed."""

    def __init__(self, officer: Officer, name: str) -> None:
        self.officer, self.name = officer, name
        self.started = 0.0

    def __enter__(self) -> Action:
        self.started = time.monotonic()
        return self

    def __exit__(self, kind: Any, error: Any, trace: Any) -> bool:
        if isinstance(error, gevent.GreenletExit):
            return False  # the run ended mid-action: neither a success nor a failure
        now = time.monotonic()
        ok = error is None
        RESULTS.timeline.append((round(now - ZERO, 2), self.name, ok))
        if ok and now >= MEASURE_FROM:
            RESULTS.actions[self.name].append(now - self.started)
        if not ok:
            RESULTS.error(self.name, f"{type(error).__name__}: {error}")
        # Any failure ends this cycle (the next starts afresh); other exceptions are bugs here.
        return isinstance(error, (Failed, OSError, gevent.Timeout))


class Officer(FastHttpUser):
    """One officer of one tenant; PLAN.officers[n] says who and when they arrive."""

    host = "http://127.0.0.1"
    network_timeout = 60.0
    connection_timeout = 60.0
    _next = 0
    cycle: Iterator[None] | None = None

    def wait_time(self) -> float:
        if PLAN.scenario != "work":
            return 3600.0
        return random.uniform(*PLAN.think)

    def on_start(self) -> None:
        self.me = PLAN.officers[Officer._next % len(PLAN.officers)]
        Officer._next += 1
        self.signed_in = False
        self.sign_in(at=ZERO + self.me["arrival"])
        if PLAN.scenario == "work":
            # Desks do not all start their first task at the moment they sign in.
            gevent.sleep(random.uniform(0, PLAN.think[1]))

    # -- transport ----------------------------------------------------------------------------

    def fetch(
        self, name: str, path: str, form: dict[str, str] | None = None, *, follow: bool = True
    ) -> tuple[list[int], str, bytes]:
        """One request and its redirects (unless not `follow`), by hand; returns every status,
        the final path (the redirect's target when not following) and the final body. A
        sign-in page or a 403 reached from a signed-in session is a forced logout (the officer
        then signs in again)."""
        method = "POST" if form is not None else "GET"
        body = urllib.parse.urlencode(form) if form is not None else None
        statuses: list[int] = []
        for _ in range(5 if follow else 1):
            headers = {"Host": self.me["host"], "X-Forwarded-For": self.me["address"]}
            if body is not None:
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            response = self.client.request(
                method, path, data=body, headers=headers, allow_redirects=False, name=name
            )
            status = response.status_code or 0
            statuses.append(status)
            RESULTS.status_counts[str(status)] += 1
            if status >= 500:
                RESULTS.server_errors += 1
            location = str(response.headers.get("Location") or "") if response.headers else ""
            if status in REDIRECTS and location:
                path = urllib.parse.urlsplit(location)._replace(scheme="", netloc="").geturl()
                method, body = "GET", None
                continue
            break
        content = response.content or b""
        if status == 0:
            raise Failed(f"no answer ({getattr(response, 'error', '')})")
        if self.signed_in and 403 in statuses and self.still_signed_in():
            # Refused, not signed out: the session still opens a signed-in page (a file that
            # moved on between the inbox and the click answers 403 to anyone).
            RESULTS.refused += 1
            raise Failed(f"{name} refused ({statuses}) at {path}, still signed in")
        if self.signed_in and (403 in statuses or path.startswith("/accounts/login/")):
            RESULTS.forced_logouts += 1
            RESULTS.forced_by_403 += 403 in statuses
            RESULTS.timeline.append((round(time.monotonic() - ZERO, 2), "forced logout", False))
            RESULTS.error("forced logout", f"{name} {path} {statuses}")
            self.signed_in = False
            self.sign_in()
            raise Failed(f"forced logout on {name}")
        if status >= 400:
            raise Failed(f"{name} answered {statuses} at {path}")
        return statuses, path, content

    def still_signed_in(self) -> bool:
        """Whether the session still opens the home page signed in."""
        headers = {"Host": self.me["host"], "X-Forwarded-For": self.me["address"]}
        response = self.client.request(
            "GET", "/", headers=headers, allow_redirects=False, name="session check"
        )
        return response.status_code == 200 and SIGNED_IN_MARK in (response.content or b"")

    # -- signing in ---------------------------------------------------------------------------

    def sign_in(self, at: float | None = None) -> None:
        """Opens the sign-in page, waits for the moment `at` (the officer's arrival), presses
        Sign in. The sign-in is the press until its answer, the redirect that carries the
        signed-in session: what the storm measures. The page it leads to is then opened as an
        action of its own ("home after sign-in")."""
        token: str | None = None
        with Action(self, "sign-in page"):
            _, _, page = self.fetch("sign-in page", "/accounts/login/")
            found = CSRF_TOKEN.search(page)
            if found is None:
                raise Failed("the sign-in page has no CSRF token")
            token = found.group(1).decode()
        if token is None:
            RESULTS.login_errors += 1
            return
        if at is not None:
            gevent.sleep(max(0.0, at - time.monotonic()))
        form = {"csrfmiddlewaretoken": token, "login": self.me["email"], "password": PASSWORD}
        pressed, answered, target = time.monotonic(), 0.0, ""
        with Action(self, "sign_in"):
            statuses, target, _ = self.fetch("sign-in", "/accounts/login/", form, follow=False)
            if statuses[-1] not in REDIRECTS or target.startswith("/accounts/login/"):
                raise Failed(f"the sign-in form did not sign in ({statuses}, {target})")
            answered = time.monotonic()
        if not answered:
            RESULTS.login_errors += 1
            return
        RESULTS.sign_ins.append((answered - ZERO, answered - pressed))
        with Action(self, "home after sign-in"):
            _, _, home = self.fetch("home", target)
            if SIGNED_IN_MARK not in home:
                raise Failed("the page a sign-in leads to is not a signed-in page")
            self.signed_in = True

    # -- a working cycle ----------------------------------------------------------------------

    @task
    def work(self) -> None:
        """One action of the officer's cycle; the think time (10-30 s) passes before the next:
        the issue's desk does one thing every 10-30 s, not the whole round at once."""
        if PLAN.scenario != "work" or not self.signed_in:
            if not self.signed_in and PLAN.scenario == "work":
                self.sign_in()
            return
        cycle: Iterator[None] | None = getattr(self, "cycle", None)
        if cycle is None:
            cycle = self.cycle = self.working_cycle()
        try:
            next(cycle)
        except StopIteration:
            self.cycle = None

    def working_cycle(self) -> Iterator[None]:
        """Inbox, a file, a note on it, forwarding it, a new receipt, a search: one step a turn."""
        file_id = self.open_inbox()
        if file_id is None:
            return
        yield
        page = self.open_file(file_id)
        if page is None:
            return
        token = CSRF_TOKEN.search(page)
        if token is None:
            RESULTS.error("file", "no CSRF token on the file page")
            return
        csrf = token.group(1).decode()
        yield
        text = self.save_note(file_id, csrf)
        if text is not None:
            yield
            self.forward(file_id, page, csrf, text)
        yield
        self.register_receipt()
        yield
        with Action(self, "search"):
            word = urllib.parse.quote(self.me["search_word"])
            self.fetch("search", f"/receipts/?scope=all&q={word}")

    def open_inbox(self) -> int | None:
        """Opens the inbox; returns a file in it (one it opened, when the inbox holds none)."""
        ids: list[bytes] | None = None
        with Action(self, "inbox"):
            _, _, body = self.fetch("inbox", "/inbox/")
            ids = FILE_LINK.findall(body)
            if not ids:  # the default view may show only receipts on its first page
                _, _, body = self.fetch("inbox", "/inbox/?kind=file")
                ids = FILE_LINK.findall(body)
        if ids is None:
            return None
        if ids:
            return int(random.choice(ids[:10]))
        return self.open_new_file()

    def open_new_file(self) -> int | None:
        """An officer with no file in their inbox opens one (the real form)."""
        with Action(self, "new_file"):
            _, _, page = self.fetch("new file form", "/files/new/")
            form = self._form_basics(page)
            form.update(subject=f"Bench file {uuid.uuid4().hex[:8]}", grading="normal")
            form["priority"] = "0"
            _, path, _ = self.fetch("new file", "/files/new/", form)
            found = re.match(r"/items/(\d+)/", path)
            if found is None:
                raise Failed(f"opening a file ended at {path}")
            return int(found.group(1))
        return None

    def open_file(self, file_id: int) -> bytes | None:
        with Action(self, "file"):
            _, _, page = self.fetch("file", f"/items/{file_id}/")
            return page
        return None

    def save_note(self, file_id: int, csrf: str) -> str | None:
        marker = f"bench-{uuid.uuid4().hex}"
        text = f"{random.choice(SENTENCES)} [{marker}]"
        with Action(self, "note"):
            _, _, page = self.fetch(  # a 4xx or 5xx raises Failed
                "note", f"/items/{file_id}/note/", {"csrfmiddlewaretoken": csrf, "body": text}
            )
            if marker.encode() not in page:
                # Answered with a redirect, but to the page with an error instead of the note
                # (save_note redirects either way): not acknowledged.
                RESULTS.notes_not_shown += 1
                raise Failed("the saved note is not on the page it came back to")
            # Acknowledged: answered 2xx/3xx, and the page it led to shows the note saved.
            RESULTS.acknowledged.append([self.me["host"], marker, str(file_id), self.me["email"]])
            return text
        return None

    def forward(self, file_id: int, page: bytes, csrf: str, text: str) -> None:
        with Action(self, "forward"):
            start = page.find(b'id="move_to_post"')
            options = OPTION.findall(page[start : page.find(b"</select>", start)])
            mine = {str(p).encode() for p in self.me["posts"]} - {str(self.me["post_id"]).encode()}
            crowd = [o for o in options if o in mine] or options
            if not crowd:
                raise Failed("the forward form offers no post")
            form = {
                "csrfmiddlewaretoken": csrf,
                "to_post": random.choice(crowd).decode(),
                "remarks": "For necessary action, please.",
                "due_date": "",
                "note": text,  # what the page's script copies from the note box
                "note_choice": "send",
            }
            _, path, _ = self.fetch("forward", f"/items/{file_id}/forward/", form)
            if path != "/inbox/":
                raise Failed(f"forwarding ended at {path}")

    def register_receipt(self) -> None:
        with Action(self, "receipt"):
            _, _, page = self.fetch("receipt form", "/receipts/new/")
            form = self._form_basics(page)
            today = time.strftime("%Y-%m-%d")
            form.update(
                mode="physical",
                pages="1",
                sender_name=random.choice(SENDERS),
                sender_address="",
                letter_reference=f"No. {random.randint(1, 9999)}/2026",
                letter_date=today,
                received_date=today,
                subject=f"Request for pension case {uuid.uuid4().hex[:6]}",
                grading="normal",
                priority="0",
                due_date="",
                send_to="",
                remarks="",
            )
            _, path, _ = self.fetch("receipt", "/receipts/new/", form)
            if not re.match(r"/items/\d+/", path):
                raise Failed(f"registering a receipt ended at {path}")

    @staticmethod
    def _form_basics(page: bytes) -> dict[str, str]:
        """The CSRF token, the acting post and the first category of a form page."""
        token = CSRF_TOKEN.search(page)
        if token is None:
            raise Failed("the form has no CSRF token")
        return {
            "csrfmiddlewaretoken": token.group(1).decode(),
            "post": Officer._first_choice(page, b"post"),
            "category": Officer._first_choice(page, b"category"),
        }

    @staticmethod
    def _first_choice(page: bytes, name: bytes) -> str:
        """A field's value: its hidden input's (one post), else its select's first option with
        a value (an officer acting for several posts chooses among them)."""
        hidden = re.search(rb'type="hidden" name="' + name + rb'" value="(\d+)"', page)
        if hidden is not None:
            return hidden.group(1).decode()
        start = page.find(b'<select name="' + name + b'"')
        option = OPTION.search(page, start) if start >= 0 else None
        if option is None:
            raise Failed(f"the form offers no {name.decode()}")
        return option.group(1).decode()


def run(plan: Plan) -> Results:
    global PLAN, ZERO, MEASURE_FROM
    PLAN = plan
    users = len(plan.officers)
    spawn_rate = min(users, 90)  # Locust warns above 100 a second; arrivals are timed anyway
    plan.start_in = max(plan.start_in, users / spawn_rate + 2)
    ZERO = time.monotonic() + plan.start_in
    MEASURE_FROM = ZERO + (plan.ramp if plan.scenario == "work" else 0.0)
    RESULTS.started = time.time() + plan.start_in
    Officer.host = plan.base
    environment = Environment(user_classes=[Officer])
    runner = environment.create_local_runner()
    runner.start(users, spawn_rate=spawn_rate)
    deadline = ZERO + (plan.ramp + plan.seconds if plan.scenario == "work" else plan.timeout)
    while time.monotonic() < deadline:
        gevent.sleep(0.5)
        if plan.scenario != "work" and len(RESULTS.sign_ins) + RESULTS.login_errors >= users:
            break
    runner.quit()
    return RESULTS


def main() -> int:
    raw = json.loads(Path(sys.argv[1]).read_text())
    raw["think"] = tuple(raw.get("think", Plan.think))
    results = run(Plan(**raw))
    out = {key: value for key, value in vars(results).items()}
    Path(sys.argv[2]).write_text(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
