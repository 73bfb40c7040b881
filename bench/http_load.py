"""A closed-loop HTTP load: client processes, each with threads that send one request after
another on their own connection (kept alive when the server allows, reopened when it closes)."""

from __future__ import annotations

import http.client
import multiprocessing
import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Sample:
    started: float  # time.time() when the request was sent
    seconds: float
    status: int  # 0: the connection failed
    body: bytes


def _client(
    port: int, host: str, path: str, seconds: float, threads: int, out: multiprocessing.Queue
) -> None:
    samples: list[Sample] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def loop() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[Sample] = []
        while time.perf_counter() < deadline:
            started, clock = time.time(), time.perf_counter()
            try:
                conn.request("GET", path, headers={"Host": host})
                response = conn.getresponse()
                body = response.read()
                mine.append(Sample(started, time.perf_counter() - clock, response.status, body))
            except (OSError, http.client.HTTPException):
                conn.close()
                mine.append(Sample(started, time.perf_counter() - clock, 0, b""))
        conn.close()
        with lock:
            samples.extend(mine)

    workers = [threading.Thread(target=loop) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    out.put(samples)


def closed_loop(
    port: int, host: str, path: str, seconds: float, *, processes: int = 2, threads: int = 4
) -> list[Sample]:
    """Every request `processes * threads` clients made to `path` within `seconds`."""
    out: multiprocessing.Queue = multiprocessing.Queue()
    clients = [
        multiprocessing.Process(target=_client, args=(port, host, path, seconds, threads, out))
        for _ in range(processes)
    ]
    for client in clients:
        client.start()
    samples: list[Sample] = []
    for _ in clients:
        samples.extend(out.get())
    for client in clients:
        client.join()
    return samples
