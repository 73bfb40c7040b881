"""100 officers sign in at the same moment: ours beside Django's default password hashing.

    make bench-logins            (or: .venv/bin/python bench/logins.py --officers 100)

For each side it creates a tenant with N officers in a database of its own (`eoffice_bench`,
on DATABASE_URL's server or the embedded one), starts gunicorn exactly as production does
(platform/gunicorn.conf.py), fires N sign-ins at once from N client threads, then reloads every
web worker and empties the cache and checks that every officer is still signed in (the old
system signed a quarter of them out within two minutes). The baseline differs only in the
password hasher: Django's default Argon2 parameters (100 MiB, 8 lanes) instead of OWASP's
(19 MiB, 1 lane). Ends with one JSON line of the figures.
"""

from __future__ import annotations

import argparse
import contextlib
import http.cookiejar
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, bench_environment, localstack
from bench.web import CSRF_TOKEN, SIGNED_IN_MARK, free_port, start_gunicorn

PASSWORD = "Bench-Pass-2026"
SIDES = {
    "ours": "accounts.hashers.OWASPArgon2idHasher",
    "baseline": "django.contrib.auth.hashers.Argon2PasswordHasher",
}


@dataclass
class SideResult:
    hasher: str
    signed_in: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    wall_s: float
    peak_rss_mib: float
    still_signed_in: int


def prepare(env: dict[str, str], side: str, officers: int) -> None:
    """Creates tenant `bench_<side>` with officers hashed by that side's hasher."""
    env = dict(env, PASSWORD_HASHER=SIDES[side], DJANGO_SETTINGS_MODULE="bench.settings")
    script = f"""
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django_tenants.utils import schema_context
from allauth.account.models import EmailAddress
from accounts.models import User
from provisioning.services import provision_tenant
from tenants.services import register_tenant, transition_tenant

name = "bench-{side}"
tenant = register_tenant(name=name, kind="province", subdomain=name, actor="bench")
transition_tenant(tenant=tenant, to_state="approved", actor="bench")
provision_tenant(tenant=tenant, actor="bench")
with schema_context(tenant.schema_name), transaction.atomic():
    hashed = make_password({PASSWORD!r}, hasher="default")
    users = User.objects.bulk_create(
        User(email=f"officer{{n}}@bench.example", full_name=f"Officer {{n}}", password=hashed)
        for n in range({officers})
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(user=u, email=u.email, primary=True, verified=True) for u in users
    )
"""
    subprocess.run(
        [sys.executable, "manage.py", "shell", "--verbosity=0", "-c", script],
        cwd=ROOT,
        env=env,
        check=True,
    )


def sign_in(base: str, host: str, email: str) -> tuple[float, urllib.request.OpenerDirector]:
    """One officer's sign-in (login page, then the form); returns seconds and the session."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    headers = {"Host": host}
    started = time.perf_counter()
    page = opener.open(urllib.request.Request(f"{base}/accounts/login/", headers=headers))
    found = CSRF_TOKEN.search(page.read())
    if found is None:
        raise RuntimeError("The sign-in page has no CSRF token.")
    token = found.group(1)
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token.decode(), "login": email, "password": PASSWORD}
    ).encode()
    response = opener.open(
        urllib.request.Request(f"{base}/accounts/login/", data=form, headers=headers)
    )
    body = response.read()
    elapsed = time.perf_counter() - started
    if SIGNED_IN_MARK not in body:
        raise RuntimeError(f"{email} was not signed in (status {response.status})")
    return elapsed, opener


def still_signed_in(base: str, host: str, opener: urllib.request.OpenerDirector) -> bool:
    request = urllib.request.Request(f"{base}/", headers={"Host": host})
    with contextlib.suppress(OSError):
        return SIGNED_IN_MARK in opener.open(request, timeout=30).read()
    return False


def rss_mib(pid: int) -> float:
    import psutil

    with contextlib.suppress(psutil.Error):
        process = psutil.Process(pid)
        return sum(p.memory_info().rss for p in [process, *process.children()]) / 2**20
    return 0.0


def run_side(env: dict[str, str], side: str, officers: int) -> SideResult:
    prepare(env, side, officers)
    port = free_port()
    server_env = dict(env, PASSWORD_HASHER=SIDES[side], DJANGO_SETTINGS_MODULE="bench.settings")
    server = start_gunicorn(server_env, port)
    base, host = f"http://127.0.0.1:{port}", f"bench-{side}.localhost"
    try:
        if localstack._wait_until_served(f"{base}/healthz", timeout=60) is None:
            raise RuntimeError("gunicorn did not start")
        time.sleep(1)  # every worker booted
        peak = rss_mib(server.pid)
        barrier = threading.Barrier(officers)
        latencies: list[float] = []
        sessions: list[urllib.request.OpenerDirector] = []
        failures: list[str] = []
        lock = threading.Lock()

        def officer(n: int) -> None:
            barrier.wait()
            try:
                seconds, opener = sign_in(base, host, f"officer{n}@bench.example")
            except Exception as exc:  # a failed sign-in is a result, not a crash
                with lock:
                    failures.append(str(exc))
                return
            with lock:
                latencies.append(seconds)
                sessions.append(opener)

        threads = [threading.Thread(target=officer, args=(n,)) for n in range(officers)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        while any(t.is_alive() for t in threads):
            peak = max(peak, rss_mib(server.pid))
            time.sleep(0.05)
        wall = time.perf_counter() - started

        # Restart every web worker and lose the whole cache: sessions must survive both.
        server.send_signal(signal.SIGHUP)
        time.sleep(3)
        subprocess.run(
            [
                sys.executable,
                "manage.py",
                "shell",
                "--verbosity=0",
                "-c",
                "from django.core.cache import cache; cache.clear()",
            ],
            cwd=ROOT,
            env=env,
            check=True,
        )
        kept = sum(still_signed_in(base, host, opener) for opener in sessions)
        ordered = sorted(latencies) or [float("nan")]
        return SideResult(
            hasher=SIDES[side],
            signed_in=len(latencies),
            p50_ms=statistics.median(ordered) * 1000,
            p95_ms=ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000,
            max_ms=ordered[-1] * 1000,
            wall_s=wall,
            peak_rss_mib=peak,
            still_signed_in=kept,
        )
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--officers", type=int, default=100)
    args = parser.parse_args()
    with bench_environment() as env:
        localstack.manage(env, "migrate_schemas", "--shared", "-v", "0")
        results = {side: run_side(env, side, args.officers) for side in SIDES}

    ours, base = results["ours"], results["baseline"]
    rows = [
        ("signed in", f"{ours.signed_in}/{args.officers}", f"{base.signed_in}/{args.officers}"),
        ("sign-in p50", f"{ours.p50_ms:.0f} ms", f"{base.p50_ms:.0f} ms"),
        ("sign-in p95", f"{ours.p95_ms:.0f} ms", f"{base.p95_ms:.0f} ms"),
        ("sign-in max", f"{ours.max_ms:.0f} ms", f"{base.max_ms:.0f} ms"),
        ("all signed in after", f"{ours.wall_s:.2f} s", f"{base.wall_s:.2f} s"),
        ("peak web RSS", f"{ours.peak_rss_mib:.0f} MiB", f"{base.peak_rss_mib:.0f} MiB"),
        (
            "kept after reload + cache flush",
            f"{ours.still_signed_in}/{ours.signed_in}",
            f"{base.still_signed_in}/{base.signed_in}",
        ),
    ]
    print(
        f"\n{args.officers} officers signing in at once; gunicorn as in production, "
        f"{os.cpu_count()} cores"
    )
    print(f"{'':34}{'ours (Argon2id 19 MiB)':>26}{'baseline (Django default)':>28}")
    for label, mine, theirs in rows:
        print(f"{label:34}{mine:>26}{theirs:>28}")
    print(
        json.dumps(
            {
                "bench": "logins",
                "officers": args.officers,
                **{side: vars(result) for side, result in results.items()},
            }
        )
    )
    return 0 if ours.signed_in == ours.still_signed_in == args.officers else 1


if __name__ == "__main__":
    sys.exit(main())
