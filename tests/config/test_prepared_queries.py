"""Querysets compiled once per process (config.database.prepared): the same answers as the ORM
for every value and shape, each schema's own rows, the calling thread's connection, and a loud
refusal of what cannot be reused."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from typing import Any
from unittest import mock

import pytest
from django.db import connection, connections
from django.db.models import Count, Q, QuerySet
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from accounts.models import User
from config.database.prepared import PreparedQueryError, Shape, prepared, totals
from eoffice.models import Post, Posting
from tests.conftest import World
from tests.eoffice.chart import Chart, build_chart

pytestmark = pytest.mark.django_db


def _postings(officer_id: int, on: date) -> QuerySet[Posting]:
    current = Q(from_date__lte=on) & (Q(to_date__isnull=True) | Q(to_date__gte=on))
    return (
        Posting.objects.filter(current, officer_id=officer_id)
        .select_related("post__office", "officer")
        .order_by("is_additional_charge", "post__abbreviation")
    )


def _posts_named(abbreviations: set[str], reporting: bool | None) -> QuerySet[Post]:
    posts = Post.objects.filter(abbreviation__in=abbreviations)
    if reporting is not None:
        posts = posts.filter(reports_to__isnull=not reporting)
    return posts.order_by("abbreviation")


def _staff_emails(staff: bool | None, ids: list[int], order: Shape) -> QuerySet[User, str]:
    users = User.objects.filter(pk__in=ids)
    if staff is not None:
        users = users.filter(is_staff=staff)
    return users.order_by(order.value).values_list("email", flat=True)


def _emails(ids: list[int]) -> QuerySet[User, str]:
    return User.objects.filter(pk__in=ids).order_by("pk").values_list("email", flat=True)


def _rows(objects: list[Any]) -> list[Any]:
    """What a test compares: each model with the models select_related put on it."""
    if objects and isinstance(objects[0], Posting):
        return [(p.pk, p.post.abbreviation, p.post.office.code, p.officer.email) for p in objects]
    return [getattr(o, "pk", o) for o in objects]


@pytest.fixture
def chart(world: World) -> Any:
    with schema_context(world.punjab.tenant.schema_name):
        yield build_chart()


def test_answers_as_the_orm_for_every_value(chart: Chart) -> None:
    today = date.today()
    posting_of = prepared(_postings)
    posts_named = prepared(_posts_named)
    officers = list(User.objects.order_by("pk"))
    for officer in officers:
        for on in (today, today - timedelta(days=400), today + timedelta(days=3)):
            assert _rows(posting_of(officer.pk, on)) == _rows(list(_postings(officer.pk, on)))
    names = [p.abbreviation for p in Post.objects.order_by("pk")]
    for length in range(len(names) + 1):
        for reporting in (None, True, False):
            chosen = set(names[:length])
            assert _rows(posts_named(chosen, reporting)) == _rows(
                list(_posts_named(chosen, reporting))
            )
    # One compiled shape per length of the set and per branch of None/True/False.
    assert len(posts_named._shapes) == (len(names) + 1) * 3
    # Shape values before parameters take no parameter's place.
    staff_emails = prepared(_staff_emails)
    ids = [officer.pk for officer in officers]
    for staff in (None, True, False):
        for order in ("email", "-email", "pk"):
            for some in (ids, ids[1:], ids[:1]):
                assert staff_emails(staff, some, Shape(order)) == list(
                    _staff_emails(staff, some, Shape(order))
                )


def test_compiles_once_a_shape_and_never_again(chart: Chart) -> None:
    posting_of = prepared(_postings)
    officer = User.objects.order_by("pk").first()
    assert officer is not None
    compiling = mock.patch.object(
        SQLCompiler, "as_sql", autospec=True, side_effect=SQLCompiler.as_sql
    )
    with compiling as compiled:
        posting_of(officer.pk, date.today())
        assert compiled.call_count >= 1
        compiled.reset_mock()
        with CaptureQueriesContext(connection) as queries:
            for _ in range(5):
                posting_of(officer.pk, date.today() - timedelta(days=1))
        assert compiled.call_count == 0
    assert len(queries) == 5


def test_an_empty_collection_answers_without_a_query(chart: Chart) -> None:
    emails = prepared(_emails)
    with CaptureQueriesContext(connection) as queries:
        assert emails([]) == []
    assert len(queries) == 0


def test_aggregates_come_back_as_one_row_even_of_nothing(chart: Chart) -> None:
    @prepared
    def counted(ids: list[int]) -> QuerySet[Any]:
        users = User.objects.filter(pk__in=ids)
        return totals(users, users=Count("pk"), staff=Count("pk", filter=Q(is_staff=True)))

    ids = list(User.objects.values_list("pk", flat=True))
    staff = User.objects.filter(is_staff=True).count()
    assert counted(ids) == [{"users": len(ids), "staff": staff}]
    assert counted([-1]) == [{"users": 0, "staff": 0}]


def test_each_schema_gets_its_own_rows(world: World) -> None:
    """The compiled SQL names no schema: the same call answers each tenant from its own table."""
    emails = prepared(_emails)
    answers = {}
    for made in (world.punjab, world.sindh):
        with schema_context(made.tenant.schema_name):
            ids = list(User.objects.values_list("pk", flat=True))
            answers[made.host] = emails(ids)
            assert sorted(answers[made.host]) == sorted([made.admin_email, *made.officer_emails])
    assert not set(answers[world.punjab.host]) & set(answers[world.sindh.host])


def test_runs_on_the_calling_threads_connection(world: World) -> None:
    emails = prepared(_emails)
    with schema_context(world.punjab.tenant.schema_name):
        ids = list(User.objects.values_list("pk", flat=True))
        emails(ids)  # compiled on this thread's connection
    seen: dict[str, Any] = {}

    def other_thread() -> None:
        try:
            with schema_context(world.punjab.tenant.schema_name):
                own = connections["default"]
                seen["same connection"] = own is main
                with CaptureQueriesContext(own) as queries:
                    seen["emails"] = emails(ids)
                # (A new connection first sets its search_path.)
                seen["queries"] = [q["sql"] for q in queries if "accounts_user" in q["sql"]]
        finally:
            connections.close_all()

    main = connections["default"]
    # The accounts were committed by the session's fixture: the other thread sees them.
    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()
    assert seen["same connection"] is False
    assert len(seen["queries"]) == 1
    assert sorted(seen["emails"]) == sorted(
        [world.punjab.admin_email, *world.punjab.officer_emails]
    )


def test_refuses_what_cannot_be_reused(chart: Chart) -> None:
    by_officer = prepared(lambda officer: Posting.objects.filter(officer=officer))
    officer = User.objects.first()
    with pytest.raises(PreparedQueryError, match="pass the id"):
        by_officer(officer)

    transformed = prepared(lambda text: User.objects.filter(email__icontains=text))
    with pytest.raises(PreparedQueryError, match="not parameters of its SQL"):
        transformed("punjab")

    unused = prepared(lambda officer_id: User.objects.filter(is_active=True))
    with pytest.raises(PreparedQueryError, match="not parameters of its SQL"):
        unused(1)

    not_a_queryset: Any = prepared(lambda officer_id: [officer_id])  # type: ignore[return-value]
    with pytest.raises(PreparedQueryError, match="must return a QuerySet"):
        not_a_queryset(1)
