"""Plans for the crowd (bench/load/crowd.py), run in a child process, and their figures."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.common import ROOT
from bench.load import sampling
from bench.load.data import TenantCrowd

WORK_ACTIONS = ("inbox", "file", "note", "forward", "receipt", "search")
OFFICE_SIZE = 25


def officers(crowds: list[TenantCrowd], arrivals: list[float]) -> list[dict[str, Any]]:
    """Every officer of every tenant, interleaved across tenants, with an arrival each."""
    people = []
    for rank in range(max(len(c.officers) for c in crowds)):
        for number, crowd in enumerate(crowds):
            if rank < len(crowd.officers):
                officer = crowd.officers[rank]
                people.append(
                    {
                        "host": crowd.host,
                        "email": officer.email,
                        "post_id": officer.post_id,
                        "posts": crowd.posts,
                        "search_word": crowd.search_word,
                        # Offices of 25 officers behind one NAT address each, as the load
                        # balancer (the run's trusted proxy) reports them: per-address sign-in
                        # limits see offices, not one machine.
                        "address": f"10.{number % 250}.{rank // OFFICE_SIZE}.1",
                    }
                )
    people = people[: len(arrivals)]
    for person, arrival in zip(people, arrivals, strict=True):
        person["arrival"] = arrival
    return people


def poisson_arrivals(count: int, seconds: float, rng: random.Random) -> list[float]:
    """`count` arrivals of a Poisson process over `seconds` (given that many arrived: their
    moments are independent and uniform), in the officers' order."""
    moments = [rng.uniform(0, seconds) for _ in range(count)]
    return moments


@dataclass
class RunningCrowd:
    process: subprocess.Popen[bytes]
    folder: tempfile.TemporaryDirectory[str]
    phase: str

    @property
    def out_file(self) -> Path:
        return Path(self.folder.name) / "out.json"


def start_crowd(plan: dict[str, Any], sampler: sampling.Sampler, phase: str) -> RunningCrowd:
    """Starts one plan in a child process (Locust), its CPU and memory sampled as the load
    generator's."""
    folder = tempfile.TemporaryDirectory(prefix="bench-load-")
    plan_file = Path(folder.name) / "plan.json"
    plan_file.write_text(json.dumps(plan))
    sampler.phase(phase)
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench.load.crowd",
            str(plan_file),
            str(Path(folder.name) / "out.json"),
        ],
        cwd=ROOT,
    )
    sampler.watch("load generator", sampling.tree(child.pid))
    return RunningCrowd(child, folder, phase)


def finish_crowd(crowd: RunningCrowd, sampler: sampling.Sampler) -> dict[str, Any]:
    """Waits for the crowd to end; returns its results."""
    code = crowd.process.wait()
    sampler.end_phase()
    try:
        if code != 0 or not crowd.out_file.exists():
            raise RuntimeError(f"the crowd of phase {crowd.phase!r} exited with {code}")
        results: dict[str, Any] = json.loads(crowd.out_file.read_text())
        return results
    finally:
        crowd.folder.cleanup()


def run_crowd(plan: dict[str, Any], sampler: sampling.Sampler, phase: str) -> dict[str, Any]:
    """Runs one plan to its end; returns the crowd's results."""
    return finish_crowd(start_crowd(plan, sampler, phase), sampler)


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]


def action_figures(results: dict[str, Any]) -> dict[str, dict[str, float | int | None]]:
    """p50, p95, p99 (seconds), count and errors per action."""
    names = sorted(set(results["actions"]) | set(results["errors"]))
    return {
        name: {
            "count": len(results["actions"].get(name, [])),
            "errors": int(results["errors"].get(name, 0)),
            "p50": percentile(results["actions"].get(name, []), 0.50),
            "p95": percentile(results["actions"].get(name, []), 0.95),
            "p99": percentile(results["actions"].get(name, []), 0.99),
        }
        for name in names
    }


def plan(base: str, scenario: str, people: list[dict[str, Any]], **options: Any) -> dict[str, Any]:
    return {"base": base, "scenario": scenario, "officers": people, **options}


def as_json(crowds: list[TenantCrowd]) -> list[dict[str, Any]]:
    return [asdict(c) for c in crowds]
