"""Invoice numbers: gap-free per year under concurrent finalising, a rollback gives its number
back (the counter upsert of billing.services.invoices.next_invoice_number, committed by real
concurrent transactions)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from billing.models import InvoiceCounter
from billing.services.invoices import next_invoice_number
from tests.conftest import World


def test_numbers_are_gap_free_under_concurrent_finalising_and_rollbacks(
    world: World, committed: None
) -> None:
    """Twelve threads take numbers at once; every third rolls back: the committed numbers are
    1..8 with no gap and no repeat (a year no other test uses)."""
    year = 2091
    taken: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(12)

    def finalise(index: int) -> None:
        try:
            start.wait()
            with transaction.atomic():
                number = next_invoice_number(year)
                if index % 3 == 0:
                    raise RuntimeError("finalising failed after the number was taken")
            with lock:
                taken.append(number)
        except RuntimeError:
            pass
        finally:
            connection.close()

    threads = [threading.Thread(target=finalise, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(taken) == [f"INV-{year}-{n:06d}" for n in range(1, 9)]
    assert InvoiceCounter.objects.get(year=year).last_number == 8
    with pytest.raises(RuntimeError, match="inside the transaction"):
        next_invoice_number(year)
