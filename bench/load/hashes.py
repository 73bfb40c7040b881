"""The physical limit beside the login figure: password hashes per second this machine computes
with the configured Argon2id parameters (accounts/hashers.py) on all its cores.

bench/hash_rate.py (another part of issue 12) gives the figure where it is present; without it
this measures it the same way: one process per core, each hashing for a few seconds."""

from __future__ import annotations

import importlib
import multiprocessing
import os
import time
from typing import Any


def _hash_for(seconds: float) -> float:
    """Hashes per second of one process hashing for `seconds`."""
    from argon2.low_level import Type, hash_secret_raw

    from accounts.hashers import OWASPArgon2idHasher as Hasher

    count, began = 0, time.perf_counter()
    deadline = began + seconds
    while time.perf_counter() < deadline:
        hash_secret_raw(
            b"Bench-Pass-2026",
            os.urandom(16),
            time_cost=Hasher.time_cost,
            memory_cost=Hasher.memory_cost,
            parallelism=Hasher.parallelism,
            hash_len=32,
            type=Type.ID,
        )
        count += 1
    return count / (time.perf_counter() - began)


def hashes_per_second(seconds: float = 5.0) -> tuple[float, str]:
    """The machine's Argon2id hashes per second on every core, and where the figure came from."""
    try:
        hash_rate: Any = importlib.import_module("bench.hash_rate")
    except ImportError:
        hash_rate = None
    measure = getattr(hash_rate, "configured_hashes_per_second", None)
    if callable(measure):
        return float(measure(seconds=seconds)), "bench/hash_rate.py"
    cores = os.cpu_count() or 1
    with multiprocessing.get_context("spawn").Pool(cores) as pool:
        rates = pool.map(_hash_for, [seconds] * cores)
    return sum(rates), "bench/load/hashes.py (own measurement: bench/hash_rate.py not on main yet)"
