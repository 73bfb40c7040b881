"""platform/gunicorn.conf.py's garbage-collector policy: Django's loaded heap frozen before the
workers fork (and in each worker once it has the app), the youngest generation collected less
often, the threshold overridable. Run in a child process: the policy is process-wide."""

import json
import subprocess
import sys
from pathlib import Path

CONF = Path(__file__).resolve().parents[2] / "platform" / "gunicorn.conf.py"
PROBE = f"""
import gc, json, runpy
conf = runpy.run_path({str(CONF)!r})
threshold = gc.get_threshold()
young = [object() for _ in range(1000)]
held = [[item] for item in young]  # containers: tracked by the collector
before = gc.get_freeze_count()
server = type("Server", (), {{"cfg": type("Cfg", (), {{"preload_app": conf["preload_app"]}})}})
conf["when_ready"](server)
after_master = gc.get_freeze_count()
more = [[item] for item in young]
conf["post_worker_init"](server)
print(json.dumps([threshold, before, after_master, gc.get_freeze_count(), conf["preload_app"]]))
"""


def probe(**env: str) -> list:
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", **env},
        check=True,
    )
    return json.loads(result.stdout)


def test_the_heap_is_frozen_in_the_master_and_in_each_worker() -> None:
    threshold, before, after_master, after_worker, preload = probe()

    assert threshold == [10000, 10, 10]
    assert preload is True
    assert after_master > before + 1000  # the master's heap, the probe's lists with it
    assert after_worker >= after_master + 1000  # what the worker made after the fork


def test_the_threshold_and_preloading_follow_the_environment() -> None:
    threshold, before, after_master, after_worker, preload = probe(
        WEB_GC_THRESHOLD="2000", WEB_PRELOAD="false"
    )

    assert threshold == [2000, 10, 10]
    assert preload is False
    assert after_master == before  # nothing preloaded: the master has nothing to freeze
    assert after_worker > before + 1000


def test_freezing_can_be_left_off_and_the_collector_cannot_be_turned_off() -> None:
    threshold, before, after_master, after_worker, _ = probe(WEB_GC_FREEZE="false")
    assert threshold == [10000, 10, 10]
    assert after_worker == after_master == before

    refused = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "WEB_GC_THRESHOLD": "0"},
    )
    assert refused.returncode != 0
    assert "WEB_GC_THRESHOLD must be 1 or more" in refused.stderr
