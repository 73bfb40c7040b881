"""How many password hashes per second this machine computes: the ceiling of sign-ins per second.

    .venv/bin/python bench/hash_rate.py [--seconds 5] [--processes N]

Every sign-in computes one Argon2id hash (verifying is hashing again and comparing), so with all
cores hashing and nothing else, hashes/s is the most sign-ins/s the machine can ever serve. It
hashes with the configured hasher (accounts.hashers.OWASPArgon2idHasher) in one process per core,
then with Django's default Argon2 parameters beside it, and ends with one JSON line carrying
`hashes_per_second` (the configured parameters). The load benchmark imports
`configured_hashes_per_second()` for the same figure.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django.contrib.auth.hashers import Argon2PasswordHasher

from accounts.hashers import OWASPArgon2idHasher

PASSWORD = "Bench-Pass-2026"


@dataclass(frozen=True)
class Parameters:
    """Argon2id's cost: passes over memory (t), memory in KiB (m) and lanes (p)."""

    time_cost: int
    memory_cost: int
    parallelism: int

    @classmethod
    def of(cls, hasher: type[Argon2PasswordHasher]) -> Parameters:
        return cls(hasher.time_cost, hasher.memory_cost, hasher.parallelism)

    def __str__(self) -> str:
        return f"m={self.memory_cost // 1024} MiB, t={self.time_cost}, p={self.parallelism}"


CONFIGURED = Parameters.of(OWASPArgon2idHasher)
DJANGO_DEFAULT = Parameters.of(Argon2PasswordHasher)


@dataclass(frozen=True)
class Rate:
    """Hashes per second of wall-clock time with every core hashing, and the CPU time one hash
    takes (which other load on the machine changes far less)."""

    hashes_per_second: float
    cpu_ms_per_hash: float


def _hash_for(parameters: Parameters, seconds: float) -> tuple[int, float, float]:
    """Hashes until `seconds` have passed, in this process; (hashes, seconds, CPU seconds)."""
    hasher = Argon2PasswordHasher()
    hasher.time_cost = parameters.time_cost
    hasher.memory_cost = parameters.memory_cost
    hasher.parallelism = parameters.parallelism
    salt = hasher.salt()
    started, cpu_started = time.perf_counter(), time.process_time()
    count = 0
    while time.perf_counter() - started < seconds:
        hasher.encode(PASSWORD, salt)
        count += 1
    return count, time.perf_counter() - started, time.process_time() - cpu_started


def measure(
    parameters: Parameters = CONFIGURED, *, seconds: float = 5.0, processes: int | None = None
) -> Rate:
    """Every core hashing (one process each) for about `seconds`."""
    workers = processes or os.cpu_count() or 1
    with ProcessPoolExecutor(max_workers=workers) as pool:
        _hash_for(parameters, 0.2)  # the library loaded and memory touched before counting
        results = list(pool.map(_hash_for, [parameters] * workers, [seconds] * workers))
    hashes = sum(count for count, _, _ in results)
    return Rate(
        hashes_per_second=sum(count / taken for count, taken, _ in results),
        cpu_ms_per_hash=1000 * sum(cpu for _, _, cpu in results) / max(hashes, 1),
    )


def configured_hashes_per_second(*, seconds: float = 5.0) -> float:
    """Hashes/s for the parameters sign-in uses: what a load benchmark compares logins/s to."""
    return measure(CONFIGURED, seconds=seconds).hashes_per_second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--processes", type=int, default=None)
    args = parser.parse_args()
    cores = args.processes or os.cpu_count() or 1

    ours = measure(CONFIGURED, seconds=args.seconds, processes=cores)
    default = measure(DJANGO_DEFAULT, seconds=args.seconds, processes=cores)
    print(f"{'parameters':<40} {'hashes/s':>9} {'CPU ms/hash':>12}")
    for name, parameters, rate in (
        ("configured", CONFIGURED, ours),
        ("Django's default", DJANGO_DEFAULT, default),
    ):
        label = f"{name} ({parameters})"
        print(f"{label:<40} {rate.hashes_per_second:>9.1f} {rate.cpu_ms_per_hash:>12.1f}")
    ratio = ours.hashes_per_second / default.hashes_per_second
    print(f"{cores} processes; the configured parameters compute {ratio:.1f}x the default's hashes")
    print(
        json.dumps(
            {
                "hashes_per_second": round(ours.hashes_per_second, 1),
                "cpu_ms_per_hash": round(ours.cpu_ms_per_hash, 1),
                "django_default_hashes_per_second": round(default.hashes_per_second, 1),
                "processes": cores,
                "time_cost": CONFIGURED.time_cost,
                "memory_kib": CONFIGURED.memory_cost,
                "parallelism": CONFIGURED.parallelism,
            }
        )
    )


if __name__ == "__main__":
    main()
