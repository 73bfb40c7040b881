"""Web CPU of an officer's working cycle, page by page, in process: what limits the crowd.

    make bench-web-cpu          (or: .venv/bin/python bench/web_cpu.py [--cycles 30])

The load benchmark's crowd is limited by the web tier's CPU per page (bench/load/). This runs
the same cycle (inbox, a file, a note and the file page it leads to, a forward and the inbox it
leads to, the receipt form, a receipt and its page, a search) through Django's test client
in this process with DEBUG off, `time.process_time` around each request: the web side's CPU only, no
network, no PostgreSQL time. Two tenants with the same data (bench/load/data.py, a department
of 200 posts at 0.1 of bench/eoffice_data.py), one for each side:

- Django as it comes: widgets through Django's templates (FORM_RENDERER DjangoTemplates), each
  field through the components/field.html include, Django's own `date` filter, every query
  built and compiled by the ORM at each call, the forward select's options escaped anew,
  Python's garbage collector as it comes;
- ours: config.form_renderer, config.field_component, config.template_builtins' remembered
  `date`, config.database.prepared's queries compiled once, eoffice_options' options memo,
  and the web worker's garbage-collector policy (platform/gunicorn.conf.py: the loaded heap
  frozen, the youngest generation collected every 10,000 allocations; the baseline unfreezes
  it and collects at Python's 700).

Each side runs its cycles with officers of its own (a cycle moves files, so no officer's
inbox is measured twice), after a warm-up, the two sides taking turns cycle by cycle so that
the host's drift falls on both. Ends with one JSON line.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import random
import re
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import bench_environment, localstack

PASSWORD = "Bench-Load-2026"  # bench/load/data.py's
FILE_LINK = re.compile(rb'href="/items/(\d+)/">[^<]*</a> <span class="kind kind-file">')
OPTION = re.compile(rb'<option value="(\d+)"')
CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


PYTHON_GC_THRESHOLD = (700, 10, 10)  # Python's own


def _the_web_workers_gc_policy() -> None:
    """Ours: platform/gunicorn.conf.py run for its threshold, then the loaded heap collected
    and frozen as its when_ready hook does in the master."""
    import runpy

    runpy.run_path(str(Path(__file__).resolve().parent.parent / "platform" / "gunicorn.conf.py"))
    gc.collect()
    gc.freeze()


class _StockRenderer:
    """Django's DjangoTemplates form renderer, made once (its templates parsed once, as a
    process's would be) when first asked for."""

    instance: Any = None

    def render(self, template_name: str, context: Any, request: Any = None) -> str:
        if self.instance is None:
            from django.forms.renderers import DjangoTemplates

            self.instance = DjangoTemplates()
        return str(self.instance.render(template_name, context, request))


STOCK_RENDERER = _StockRenderer()


class _Collections:
    """CPU spent in the garbage collector while a timed request runs, for the side running it
    (gc.callbacks calls back at the start and stop of every collection)."""

    def __init__(self) -> None:
        self.into: list[float] | None = None  # the running side's total, while timing
        self.started = 0.0
        gc.callbacks.append(self.callback)

    def callback(self, phase: str, info: dict[str, int]) -> None:
        if self.into is None:
            return
        if phase == "start":
            self.started = time.process_time()
        else:
            self.into[0] += time.process_time() - self.started


COLLECTIONS = _Collections()


class Desk:
    """One signed-in officer's client, timing each request and each redirect it leads to."""

    def __init__(
        self,
        client: Any,
        officer: Any,
        crowd: Any,
        cpu: dict[str, list[float]],
        collecting: list[float],
    ):
        self.client, self.officer, self.crowd, self.cpu = client, officer, crowd, cpu
        self.collecting = collecting

    def get(self, step: str, path: str, form: dict[str, str] | None = None) -> bytes:
        COLLECTIONS.into = self.collecting
        try:
            started = time.process_time()
            response = self.client.post(path, form) if form is not None else self.client.get(path)
            self.cpu[step].append(time.process_time() - started)
            while response.status_code in (301, 302):
                started = time.process_time()
                response = self.client.get(response["Location"])
                self.cpu[f"{step}, then its page"].append(time.process_time() - started)
        finally:
            COLLECTIONS.into = None
        if response.status_code != 200:
            raise RuntimeError(f"{step} {path} answered {response.status_code}")
        return bytes(response.content)

    def choice(self, page: bytes, name: bytes) -> str:
        hidden = re.search(rb'type="hidden" name="' + name + rb'" value="(\d+)"', page)
        if hidden is not None:
            return hidden.group(1).decode()
        found = OPTION.search(page, page.find(b'<select name="' + name + b'"'))
        if found is None:
            raise RuntimeError(f"the form offers no {name.decode()}")
        return found.group(1).decode()

    def cycle(self) -> bool:
        """One working cycle; False when the officer's inbox holds no file."""
        body = self.get("inbox", "/inbox/")
        ids = FILE_LINK.findall(body) or FILE_LINK.findall(self.get("inbox", "/inbox/?kind=file"))
        if not ids:
            return False
        file_id = int(random.choice(ids[:10]))
        page = self.get("file page", f"/items/{file_id}/")
        csrf = CSRF.search(page)
        if csrf is None:
            raise RuntimeError("the file page has no CSRF token")
        token = csrf.group(1).decode()
        text = f"The matter has been examined. [{uuid.uuid4().hex}]"
        self.get("note", f"/items/{file_id}/note/", {"csrfmiddlewaretoken": token, "body": text})
        start = page.find(b'id="move_to_post"')
        options = OPTION.findall(page[start : page.find(b"</select>", start)])
        mine = {str(p).encode() for p in self.crowd.posts} - {str(self.officer.post_id).encode()}
        forward = {
            "csrfmiddlewaretoken": token,
            "to_post": random.choice([o for o in options if o in mine] or options).decode(),
            "remarks": "For necessary action, please.",
            "due_date": "",
            "note": text,
            "note_choice": "send",
        }
        self.get("forward", f"/items/{file_id}/forward/", forward)
        form_page = self.get("receipt form", "/receipts/new/")
        today = time.strftime("%Y-%m-%d")
        receipt = {
            "csrfmiddlewaretoken": token,
            "post": self.choice(form_page, b"post"),
            "category": self.choice(form_page, b"category"),
            "mode": "physical",
            "pages": "1",
            "sender_name": "Finance Department",
            "sender_address": "",
            "letter_reference": "No. 1/2026",
            "letter_date": today,
            "received_date": today,
            "subject": f"Request for pension case {uuid.uuid4().hex[:6]}",
            "grading": "normal",
            "priority": "0",
            "due_date": "",
            "send_to": "",
            "remarks": "",
        }
        self.get("receipt", "/receipts/new/", receipt)
        self.get("search", f"/receipts/?scope=all&q={self.crowd.search_word}")
        return True


@contextlib.contextmanager
def as_django_comes() -> Iterator[None]:
    """The baseline side: each of our speed-ups replaced by what Django does without it."""
    from django.template import defaultfilters

    from config import field_component, form_renderer, template_builtins
    from config.database import prepared
    from eoffice.templatetags import eoffice_options

    def compiled_each_call(self: Any, *args: Any, **kwargs: Any) -> list[Any]:
        return list(self.build(*args, **kwargs))

    def date_each_call(value: Any, exact: Any, arg: str | None, language: str) -> str:
        return str(defaultfilters.date(value, arg))

    def through_widget_templates(
        self: Any, template_name: str, context: Any, request: Any = None
    ) -> str:
        return str(STOCK_RENDERER.render(template_name, context, request))

    patches = [
        (form_renderer.FormRenderer, "render", through_widget_templates),
        (prepared.Prepared, "__call__", compiled_each_call),
        (field_component, "render", field_component.render_with_template),
        (template_builtins, "_formatted", date_each_call),
        (eoffice_options, "_rendered", eoffice_options._rendered.__wrapped__),
    ]
    saved = [(owner, name, getattr(owner, name)) for owner, name, _ in patches]
    for owner, name, replacement in patches:
        setattr(owner, name, replacement)
    # Each side collects its own garbage: what the other left is collected at the switch,
    # outside the timed steps, before the heap is frozen again or unfrozen.
    ours = gc.get_threshold()
    gc.collect()
    gc.unfreeze()
    gc.set_threshold(*PYTHON_GC_THRESHOLD)
    try:
        yield
    finally:
        for owner, name, original in saved:
            setattr(owner, name, original)
        gc.set_threshold(*ours)
        gc.collect()
        gc.freeze()


class Side:
    """One side's tenant, its officers in turn, and the CPU of its measured steps."""

    def __init__(self, crowd: Any, stock: bool, seed: int) -> None:
        self.crowd, self.stock = crowd, stock
        self.officers = iter(enumerate(crowd.officers))
        self.cpu: dict[str, list[float]] = defaultdict(list)
        self.collecting = [0.0]  # of which in the garbage collector
        self.random = random.Random(seed)
        self.done = 0

    def one_cycle(self, measured: bool) -> None:
        """The next officer's cycle (one whose inbox holds a file): signed in, then timed."""
        from django.test import Client

        side = as_django_comes() if self.stock else contextlib.nullcontext()
        with side:
            for number, officer in self.officers:
                client = Client(HTTP_HOST=self.crowd.host, REMOTE_ADDR=f"10.9.{number}.1")
                signed_in = client.post(
                    "/accounts/login/", {"login": officer.email, "password": PASSWORD}
                )
                if signed_in.status_code != 302:
                    raise RuntimeError(f"{officer.email} could not sign in")
                cpu = self.cpu if measured else defaultdict(list)
                collecting = self.collecting if measured else [0.0]
                random.setstate(self.random.getstate())
                worked = Desk(client, officer, self.crowd, cpu, collecting).cycle()
                self.random.setstate(random.getstate())
                if worked:
                    self.done += measured
                    return
            raise RuntimeError("the tenant has no more officers with a file in their inbox")

    def figures(self) -> dict[str, Any]:
        steps = {step: round(sum(v) / self.done * 1000, 1) for step, v in sorted(self.cpu.items())}
        return {
            "cycles": self.done,
            "steps": steps,
            "cycle_ms": round(sum(steps.values()), 1),
            "gc_ms": round(self.collecting[0] / self.done * 1000, 1),
        }


def run_sides(stock_crowd: Any, our_crowd: Any, cycles: int, warm_up: int) -> list[Side]:
    """Both sides, a cycle of one then a cycle of the other: the machine's drift over the run
    (other tenants of the host, its clock) falls on both alike."""
    from django.test import override_settings

    sides = [Side(stock_crowd, True, 2026), Side(our_crowd, False, 2026)]
    with override_settings(ALLOWED_HOSTS=["*"]):
        for number in range(warm_up + cycles):
            for side in sides:
                side.one_cycle(measured=number >= warm_up)
    return sides


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cycles", type=int, default=30, help="measured cycles per side")
    parser.add_argument("--warm-up", type=int, default=3, help="cycles before measuring")
    args = parser.parse_args()
    officers = args.cycles + args.warm_up + 10  # a few whose inbox may hold no file
    with bench_environment("eoffice_bench_web_cpu") as env:
        print("==> Preparing two tenants with the same data", flush=True)
        localstack.manage(env, "migrate_tenants", "-v", "0")
        os.environ.update(env)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        # As gunicorn serves it: with DEBUG on, templates are parsed anew for every page and
        # every query is kept.
        os.environ["DJANGO_DEBUG"] = "false"
        import django

        django.setup()
        _the_web_workers_gc_policy()
        from bench.load import data

        stock_crowd, our_crowd = data.prepare(
            env["DATABASE_URL"], tenants=2, officers=officers, fraction=0.1
        )
        stock_side, our_side = run_sides(stock_crowd, our_crowd, args.cycles, args.warm_up)
        stock, ours = stock_side.figures(), our_side.figures()
    print(f"\nWeb CPU per step of a working cycle (ms, mean of {ours['cycles']} cycles):")
    print(f"  {'step':34}{'Django as it comes':>24}{'ours':>8}")
    for step in sorted(set(stock["steps"]) | set(ours["steps"])):
        print(
            f"  {step:34}{stock['steps'].get(step, 0.0):24.1f}{ours['steps'].get(step, 0.0):8.1f}"
        )
    print(f"  {'a whole cycle':34}{stock['cycle_ms']:24.1f}{ours['cycle_ms']:8.1f}")
    print(f"  {'  of which garbage collection':34}{stock['gc_ms']:24.1f}{ours['gc_ms']:8.1f}")
    print(
        json.dumps(
            {
                "bench": "web_cpu",
                "cycle_ms": ours["cycle_ms"],
                "baseline_cycle_ms": stock["cycle_ms"],
                "steps_ms": ours["steps"],
                "baseline_steps_ms": stock["steps"],
                "cycles": ours["cycles"],
                "gc_ms": ours["gc_ms"],
                "baseline_gc_ms": stock["gc_ms"],
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
