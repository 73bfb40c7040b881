"""Web CPU of an officer's working cycle, page by page, in process: what limits the crowd.

    make bench-web-cpu          (or: .venv/bin/python bench/web_cpu.py [--cycles 30])

The load benchmark's crowd is limited by the web tier's CPU per page (bench/load/). This runs
the same cycle (inbox, a file, a note and the file page it leads to, a forward and the inbox it
leads to, the receipt form, a receipt and its page, a search) through Django's test client
in this process with DEBUG off, `time.process_time` around each request: the web side's CPU only, no
network, no PostgreSQL time. Two tenants with the same data (bench/load/data.py, a department
of 200 posts at 0.1 of bench/eoffice_data.py), one for each side:

- Django's widget templates: FORM_RENDERER set to django.forms.renderers.DjangoTemplates;
- ours: config.form_renderer (Django's widget templates rendered in Python).

Each side runs its cycles with officers of its own (a cycle moves files, so no officer's
inbox is measured twice), after a warm-up. Ends with one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import bench_environment, localstack

PASSWORD = "Bench-Load-2026"  # bench/load/data.py's
FILE_LINK = re.compile(rb'href="/items/(\d+)/">[^<]*</a> <span class="kind kind-file">')
OPTION = re.compile(rb'<option value="(\d+)"')
CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
STOCK_RENDERER = "django.forms.renderers.DjangoTemplates"


class Desk:
    """One signed-in officer's client, timing each request and each redirect it leads to."""

    def __init__(self, client: Any, officer: Any, crowd: Any, cpu: dict[str, list[float]]):
        self.client, self.officer, self.crowd, self.cpu = client, officer, crowd, cpu

    def get(self, step: str, path: str, form: dict[str, str] | None = None) -> bytes:
        started = time.process_time()
        response = self.client.post(path, form) if form is not None else self.client.get(path)
        self.cpu[step].append(time.process_time() - started)
        while response.status_code in (301, 302):
            started = time.process_time()
            response = self.client.get(response["Location"])
            self.cpu[f"{step}, then its page"].append(time.process_time() - started)
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


def run_side(crowd: Any, renderer: str | None, cycles: int, warm_up: int) -> dict[str, Any]:
    """`cycles` cycles on one tenant, each by another officer; CPU ms per step (mean)."""
    from django.forms import renderers
    from django.test import Client, override_settings

    cpu: dict[str, list[float]] = defaultdict(list)
    overrides = {"FORM_RENDERER": renderer} if renderer else {}
    with override_settings(ALLOWED_HOSTS=["*"], **overrides):
        renderers.get_default_renderer.cache_clear()  # type: ignore[attr-defined]
        done = 0
        for number, officer in enumerate(crowd.officers):
            if done >= cycles:
                break
            client = Client(HTTP_HOST=crowd.host, REMOTE_ADDR=f"10.9.{number}.1")
            signed_in = client.post(
                "/accounts/login/", {"login": officer.email, "password": PASSWORD}
            )
            if signed_in.status_code != 302:
                raise RuntimeError(f"{officer.email} could not sign in")
            desk = Desk(client, officer, crowd, cpu if number >= warm_up else defaultdict(list))
            if desk.cycle() and number >= warm_up:
                done += 1
        renderers.get_default_renderer.cache_clear()  # type: ignore[attr-defined]
    steps = {step: round(sum(v) / done * 1000, 1) for step, v in sorted(cpu.items())}
    return {"cycles": done, "steps": steps, "cycle_ms": round(sum(steps.values()), 1)}


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
        from bench.load import data

        stock_crowd, our_crowd = data.prepare(
            env["DATABASE_URL"], tenants=2, officers=officers, fraction=0.1
        )
        random.seed(2026)
        stock = run_side(stock_crowd, STOCK_RENDERER, args.cycles, args.warm_up)
        random.seed(2026)
        ours = run_side(our_crowd, None, args.cycles, args.warm_up)
    print(f"\nWeb CPU per step of a working cycle (ms, mean of {ours['cycles']} cycles):")
    print(f"  {'step':34}{'Django widget templates':>24}{'ours':>8}")
    for step in sorted(set(stock["steps"]) | set(ours["steps"])):
        print(
            f"  {step:34}{stock['steps'].get(step, 0.0):24.1f}{ours['steps'].get(step, 0.0):8.1f}"
        )
    print(f"  {'a whole cycle':34}{stock['cycle_ms']:24.1f}{ours['cycle_ms']:8.1f}")
    print(
        json.dumps(
            {
                "bench": "web_cpu",
                "cycle_ms": ours["cycle_ms"],
                "baseline_cycle_ms": stock["cycle_ms"],
                "steps_ms": ours["steps"],
                "baseline_steps_ms": stock["steps"],
                "cycles": ours["cycles"],
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
