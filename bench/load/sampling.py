"""CPU and memory of every process of the run, sampled each second and summed per process type
(web, worker, beat, postgres, pgbouncer, redis, the load generator), per phase."""

from __future__ import annotations

import contextlib
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import psutil

# A process type and how to find its processes at a given moment.
Finder = Callable[[], list[psutil.Process]]


def tree(pid: int) -> Finder:
    """The process and all its descendants (gunicorn's workers, Celery's pool)."""

    def find() -> list[psutil.Process]:
        with contextlib.suppress(psutil.Error):
            root = psutil.Process(pid)
            return [root, *root.children(recursive=True)]
        return []

    return find


def matching(name: str, *needles: str) -> Finder:
    """Processes called `name` whose command line holds every needle (a PostgreSQL server's
    backends name their database; PgBouncer and Redis their port or config)."""

    def find() -> list[psutil.Process]:
        found = []
        for process in psutil.process_iter(["name", "cmdline"]):
            with contextlib.suppress(psutil.Error):
                line = " ".join(process.info["cmdline"] or [])
                if name in (process.info["name"] or "") and all(n in line for n in needles):
                    found.append(process)
        return found

    return find


@dataclass
class Usage:
    cpu_seconds: float = 0.0
    peak_rss_mib: float = 0.0
    processes: int = 0


@dataclass
class Phase:
    name: str
    started: float
    ended: float = 0.0
    usage: dict[str, Usage] = field(default_factory=lambda: defaultdict(Usage))
    # The whole machine's CPU, every process of it (the table's rows are only the stack's):
    # (busy, total) CPU seconds of each sample interval.
    machine: list[tuple[float, float]] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return (self.ended or time.monotonic()) - self.started

    def busy_percent(self) -> float:
        busy = sum(b for b, _ in self.machine)
        total = sum(t for _, t in self.machine)
        return 100 * busy / total if total else 0.0

    def busiest_percent(self, samples: int = 10) -> float:
        """The busiest run of `samples` consecutive intervals (10 s at one a second): a
        phase's mean includes its ramp, when a crowd is still arriving."""
        best = 0.0
        for start in range(max(1, len(self.machine) - samples + 1)):
            window = self.machine[start : start + samples]
            total = sum(t for _, t in window)
            if total:
                best = max(best, 100 * sum(b for b, _ in window) / total)
        return best


class Sampler(threading.Thread):
    """Samples every second; CPU is the growth of each live process's CPU time since its last
    sample (a process that dies between samples loses at most a second)."""

    def __init__(self, interval: float = 1.0) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.finders: dict[str, Finder] = {}
        self.phases: list[Phase] = []
        self._last: dict[tuple[int, float], float] = {}
        self._machine: tuple[float, float] | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()

    def watch(self, kind: str, finder: Finder) -> None:
        with self._lock:
            self.finders[kind] = finder

    def phase(self, name: str) -> Phase:
        with self._lock:
            if self.phases and not self.phases[-1].ended:
                self.phases[-1].ended = time.monotonic()
            self.phases.append(Phase(name, time.monotonic()))
            return self.phases[-1]

    def end_phase(self) -> None:
        with self._lock:
            if self.phases and not self.phases[-1].ended:
                self.phases[-1].ended = time.monotonic()

    def run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def sample(self) -> None:
        with self._lock:
            current = self.phases[-1] if self.phases and not self.phases[-1].ended else None
            times = psutil.cpu_times()
            busy = sum(
                getattr(times, name, 0.0)
                for name in ("user", "nice", "system", "irq", "softirq", "steal")
            )
            machine = (busy, busy + times.idle + getattr(times, "iowait", 0.0))
            if current is not None and self._machine is not None:
                current.machine.append(
                    (machine[0] - self._machine[0], machine[1] - self._machine[1])
                )
            self._machine = machine
            for kind, finder in self.finders.items():
                rss, count = 0.0, 0
                for process in finder():
                    with contextlib.suppress(psutil.Error):
                        key = (process.pid, process.create_time())
                        times = process.cpu_times()
                        total = times.user + times.system
                        before = self._last.get(key)
                        self._last[key] = total
                        rss += process.memory_info().rss / 2**20
                        count += 1
                        if current is not None and before is not None:
                            current.usage[kind].cpu_seconds += total - before
                if current is not None:
                    usage = current.usage[kind]
                    usage.peak_rss_mib = max(usage.peak_rss_mib, rss)
                    usage.processes = max(usage.processes, count)

    def stop(self) -> None:
        self._stop.set()
        self.end_phase()


def table(phases: list[Phase], cores: int) -> list[str]:
    """One block per phase: each process type's mean CPU (% of one core) and peak memory."""
    lines = []
    for phase in phases:
        lines.append(f"  {phase.name} ({phase.seconds:.0f} s; {cores} cores = {cores * 100}%)")
        lines.append(
            f"    all of the machine CPU {phase.busy_percent() * cores:6.1f}%"
            f"   in its busiest 10 s {phase.busiest_percent() * cores:6.1f}% (every process)"
        )
        for kind, usage in sorted(phase.usage.items()):
            share = 100 * usage.cpu_seconds / max(phase.seconds, 1e-9)
            lines.append(
                f"    {kind:12} CPU {share:6.1f}%   peak RSS {usage.peak_rss_mib:7.0f} MiB"
                f"   processes {usage.processes}"
            )
    return lines


def as_json(phases: list[Phase]) -> dict[str, dict[str, dict[str, float]]]:
    return {
        phase.name: {
            **{
                kind: {
                    "cpu_percent": round(100 * u.cpu_seconds / max(phase.seconds, 1e-9), 1),
                    "peak_rss_mib": round(u.peak_rss_mib, 1),
                }
                for kind, u in phase.usage.items()
            },
            "machine": {
                "busy_percent_of_all_cores": round(phase.busy_percent(), 1),
                "busiest_10s_percent_of_all_cores": round(phase.busiest_percent(), 1),
            },
        }
        for phase in phases
    }
