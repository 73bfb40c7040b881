"""The tenant's plan is billing's data: billing assigns it, and tenants knows nothing of
billing (billing reads tenants, never the reverse)."""

import ast
from pathlib import Path

import pytest

from billing.models import Plan, Subscription
from billing.selectors import plan_of
from billing.services import assign_plan
from tenants.models import Tenant
from tests import onboarding
from tests.conftest import World

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


def test_no_module_under_tenants_imports_billing() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(m for m in modules if m.split(".")[0] == "billing")
        for path in sorted((ROOT / "tenants").rglob("*.py"))
        if (modules := imported_modules(path))
        and any(m.split(".")[0] == "billing" for m in modules)
    }

    assert offenders == {}
    assert not [f.name for f in Tenant._meta.get_fields() if f.name == "plan"]  # no FK either


@pytest.mark.django_db
def test_the_approval_puts_the_tenant_on_its_plan_and_a_change_replaces_it(world: World) -> None:
    tenant = onboarding.submit("planned").tenant
    standard, federal = Plan.objects.get(code="standard"), Plan.objects.get(code="federal")
    assert plan_of(tenant) is None

    assign_plan(tenant=tenant, plan=standard, actor="federal@board.example")
    assign_plan(tenant=tenant, plan=federal, actor="other@board.example")

    subscription = Subscription.objects.get(tenant=tenant)
    assert (subscription.plan, subscription.assigned_by) == (federal, "other@board.example")
    assert plan_of(tenant) == federal
    assert plan_of(world.sindh.tenant) is None  # another tenant's plan is its own
