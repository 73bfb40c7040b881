"""Searching the receipt register: by diary number, letter number, or words of the subject or
sender, in English or Urdu; never beyond what the officer may see."""

import pytest

from eoffice.selectors.register import RegisterFilter, register
from eoffice.services import receipts
from tests.eoffice.chart import ORIGIN, Chart, receipt_details

pytestmark = pytest.mark.django_db


def found(chart: Chart, who: str, text: str, scope: str = "here") -> list[str]:
    rows = register(chart.desk(who), RegisterFilter(scope=scope, query=text))
    return sorted(row.subject for row in rows)


def test_search_by_number_words_and_sender(chart: Chart) -> None:
    cr = chart.desk("cr")
    pension = receipts.register_receipt(
        desk=cr,
        details=receipt_details(
            chart,
            subject="Delay in the pension case of Mr. Rauf",
            sender_name="Accountant General Punjab",
            letter_reference="AG/PEN/2026/77",
        ),
        origin=ORIGIN,
    )
    receipts.register_receipt(
        desk=cr,
        details=receipt_details(chart, subject="پنشن کیس میں تاخیر", sender_name="محکمہ خزانہ"),
        origin=ORIGIN,
    )
    receipts.register_receipt(
        desk=cr, details=receipt_details(chart, subject="Office furniture"), origin=ORIGIN
    )
    assert found(chart, "cr", "pens") == ["Delay in the pension case of Mr. Rauf"]
    assert found(chart, "cr", "PENSION rauf") == ["Delay in the pension case of Mr. Rauf"]
    assert found(chart, "cr", "accountant") == ["Delay in the pension case of Mr. Rauf"]
    assert found(chart, "cr", "ag/pen/2026/77") == ["Delay in the pension case of Mr. Rauf"]
    assert found(chart, "cr", pension.reference) == ["Delay in the pension case of Mr. Rauf"]
    assert found(chart, "cr", "پنشن") == ["پنشن کیس میں تاخیر"]
    assert found(chart, "cr", "خزانہ") == ["پنشن کیس میں تاخیر"]
    assert found(chart, "cr", "pension & | !") == ["Delay in the pension case of Mr. Rauf"]
    assert found(chart, "cr", "budget") == []
    # Another post's officer finds nothing of it, in either scope.
    assert found(chart, "sob", "pension") == []
    assert found(chart, "sob", "pension", scope="all") == []


def test_a_letter_number_without_words_is_found(chart: Chart) -> None:
    receipts.register_receipt(
        desk=chart.desk("cr"),
        details=receipt_details(chart, subject="Unnumbered letter", letter_reference="--/--"),
        origin=ORIGIN,
    )
    assert found(chart, "cr", "--/--") == ["Unnumbered letter"]
    assert found(chart, "cr", "-/-") == []


def test_a_search_reads_the_indexes_not_every_receipt(chart: Chart) -> None:
    """With sequential scans priced out, the plan of a search by words and letter number reads
    no table whole and tests no receipt against a subquery: the three alternatives are one set,
    each read from an index (as an OR, PostgreSQL tests every receipt of the tenant)."""
    from django.db import connection, transaction

    rows = register(chart.desk("cr"), RegisterFilter(scope="all", query="pension case"))
    sql, params = rows.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Seq Scan" not in plan and "SubPlan" not in plan, plan
    assert "receipt_letter_reference_upper" in plan and "receipt_sender_words" in plan, plan
