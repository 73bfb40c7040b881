"""The lifecycle has one home: every transition of a tenant passes through
tenants.services.transition_tenant, which records it and tells the receivers registered in
tenants.lifecycle; nothing else writes Tenant.state."""

import ast
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from billing.models import Plan
from config.celery import app
from config.tenancy import use_public_schema
from provisioning.lifecycle_services import (
    archive_tenant,
    delete_tenant,
    restore_tenant,
    resume_tenant,
    suspend_tenant,
)
from provisioning.services import approve_and_provision, provision_tenant
from tenants.lifecycle import Transition, disconnect, on_transition
from tenants.models import Tenant, TenantEvent
from tenants.services import (
    register_tenant,
    reject_application,
    transition_tenant,
)
from tests import onboarding
from tests.conftest import ACTOR, World

ROOT = Path(__file__).resolve().parents[2]


def new_tenant(subdomain: str = "kpk") -> Tenant:
    return register_tenant(
        name="Khyber Pakhtunkhwa", kind=Tenant.Kind.PROVINCE, subdomain=subdomain, actor=ACTOR
    )


# --- One home for the lifecycle: every transition through one function and one hook ---------

FULL_LIFE = [
    ("", "applied"),
    ("applied", "approved"),
    ("approved", "provisioning"),
    ("provisioning", "active"),
    ("active", "suspended"),
    ("suspended", "active"),
    ("active", "suspended"),
    ("suspended", "archived"),
    ("archived", "deleted"),
    ("deleted", "active"),
]


@pytest.fixture
def seen() -> Iterator[list[Transition]]:
    """The transitions a receiver registered like an app's (in ready()) is told of."""
    told: list[Transition] = []

    def receiver(transition: Transition) -> None:
        # Inside the transition's transaction, after its event is written.
        assert connection.in_atomic_block
        assert TenantEvent.objects.filter(pk=transition.event.pk).exists()
        told.append(transition)

    on_transition(receiver)
    yield told
    disconnect(receiver)


@pytest.fixture
def unread_queue() -> Iterator[None]:
    """Tasks go to a queue no worker reads, so this process runs the pipeline itself."""
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = f"unread-{uuid.uuid4().hex}"
    yield
    app.conf.task_default_queue = previous


def test_every_transition_of_a_full_life_goes_through_the_one_hook(
    world: World, committed: None, unread_queue: None, seen: list[Transition]
) -> None:
    # Committed (archive's pg_dump reads only committed schemas); the names are this test's.
    application = onboarding.submit("full-life", name="Full Life", contact_email="f@life.example")
    tenant = application.tenant
    approve_and_provision(
        tenant=tenant, partner=world.partner, plan=Plan.objects.get(code="standard"), actor=ACTOR
    )
    provision_tenant(tenant=tenant, actor=ACTOR)
    suspend_tenant(tenant=tenant, actor=ACTOR, reason="Audit")
    resume_tenant(tenant=tenant, actor=ACTOR)
    suspend_tenant(tenant=tenant, actor=ACTOR, reason="Closing")
    archive_tenant(tenant=tenant, actor=ACTOR, reason="Merged into another department")
    delete_tenant(tenant=tenant, actor=ACTOR, typed_name="Full Life", reason="Not needed")
    restore_tenant(tenant=tenant, actor=ACTOR, reason="Needed after all")
    use_public_schema()

    assert [(t.from_state, t.to_state) for t in seen] == FULL_LIFE
    events = TenantEvent.objects.filter(tenant=tenant).order_by("id")
    assert [t.event.pk for t in seen] == [e.pk for e in events]
    assert {t.tenant.pk for t in seen} == {tenant.pk}
    assert seen[1].actor == ACTOR and seen[4].reason == "Audit"


@pytest.mark.django_db
def test_a_rejection_goes_through_the_hook(world: World, seen: list[Transition]) -> None:
    tenant = new_tenant()
    reject_application(tenant=tenant, actor=ACTOR, reason="Apply through the province.")

    assert [(t.from_state, t.to_state) for t in seen] == [("", "applied"), ("applied", "rejected")]


@pytest.mark.django_db
def test_a_receiver_that_fails_undoes_the_transition(world: World) -> None:
    tenant = new_tenant()

    def refuse(transition: Transition) -> None:
        raise RuntimeError("billing could not record it")

    on_transition(refuse)
    try:
        with pytest.raises(RuntimeError):
            transition_tenant(tenant=tenant, to_state="approved", actor=ACTOR)
    finally:
        disconnect(refuse)

    assert Tenant.objects.get(pk=tenant.pk).state == "applied"
    assert not TenantEvent.objects.filter(tenant=tenant, to_state="approved").exists()


# The Python packages of the platform (tests and migrations excluded: fixtures and history).
SOURCE_ROOTS = ("accounts", "billing", "config", "console", "eoffice", "provisioning", "tenants")
ALLOWED_WRITER = ("tenants/services.py", "transition_tenant")
WRITING_CALLS = {"update", "create", "update_or_create", "get_or_create", "bulk_create"}


def source_files() -> Iterator[Path]:
    for root in SOURCE_ROOTS:
        for path in sorted((ROOT / root).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def chain_root(node: ast.AST) -> str | None:
    """`Tenant` for `Tenant.objects.filter(...).update(...)`; the name a chain starts from."""
    while isinstance(node, ast.Attribute | ast.Call | ast.Subscript):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def tenant_names(function: ast.AST) -> set[str]:
    """Names in a function that hold a Tenant: parameters typed Tenant, or values fetched from
    Tenant's manager."""
    names = set()
    for node in ast.walk(function):
        if isinstance(node, ast.arg) and node.annotation is not None:
            if "Tenant" in ast.unparse(node.annotation).replace("|", " ").split():
                names.add(node.arg)
        elif isinstance(node, ast.Assign) and chain_root(node.value) == "Tenant":
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def names_state(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Constant) and n.value == "state" for n in ast.walk(node))


def state_writes(tree: ast.Module) -> Iterator[tuple[str, int, str]]:
    """(function, line, code) of every write of Tenant.state in a module."""
    functions: list[ast.AST] = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
    for function in functions or [tree]:
        tenants = tenant_names(function)
        for node in ast.walk(function):
            hit = False
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                method, receiver = node.func.attr, node.func.value
                keywords = {k.arg: k.value for k in node.keywords}
                if method in WRITING_CALLS and chain_root(receiver) == "Tenant":
                    hit = "state" in keywords or names_state(
                        keywords.get("defaults", ast.Tuple(elts=[]))
                    )
                elif method in {"save", "bulk_update"}:
                    on_tenant = chain_root(receiver) in tenants | {"Tenant"}
                    fields = keywords.get("update_fields", keywords.get("fields"))
                    hit = on_tenant and (fields is None or names_state(fields))
            elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                hit = any(
                    isinstance(t, ast.Attribute) and t.attr == "state" and chain_root(t) in tenants
                    for t in targets
                )
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                sql = node.value.lower()
                hit = "tenants_tenant" in sql and "state" in sql
            if hit:
                line = getattr(node, "lineno", 0)
                yield getattr(function, "name", "<module>"), line, ast.unparse(node)[:80]


def test_nothing_but_transition_tenant_writes_the_tenant_state() -> None:
    writers = {
        (str(path.relative_to(ROOT)), function, line, code)
        for path in source_files()
        for function, line, code in state_writes(ast.parse(path.read_text()))
    }

    assert {(path, function) for path, function, _, _ in writers} == {ALLOWED_WRITER}, writers


def test_the_state_write_check_finds_each_kind_of_write() -> None:
    """The check above cannot pass by finding nothing: each way of writing is caught."""
    snippets = {
        "def f(tenant: Tenant):\n    tenant.state = 'x'\n    tenant.save()\n": 2,
        "def f():\n    Tenant.objects.filter(pk=1).update(state='x')\n": 1,
        "def f(pk):\n    t = Tenant.objects.get(pk=pk)\n    t.save(update_fields=['state'])\n": 1,
        "def f():\n    Tenant.objects.update_or_create(pk=1, defaults={'state': 'x'})\n": 1,
        "def f(c):\n    c.execute('UPDATE tenants_tenant SET state = %s', ['x'])\n": 1,
        "def f(record):\n    record.state = 'x'\n    record.save(update_fields=['state'])\n": 0,
        "def f(t: Tenant):\n    t.save(update_fields=['schema_name'])\n": 0,
    }
    for code, expected in snippets.items():
        assert len(list(state_writes(ast.parse(code)))) == expected, code
