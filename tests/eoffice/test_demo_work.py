"""The demo's e-office: `make run` opens on trays that are in use."""

import pytest
from django_tenants.utils import schema_context

from accounts.services import create_account
from eoffice.demo_work import load_demo_office
from eoffice.selectors.access import desk_of
from eoffice.selectors.trays import TrayFilter, items_in_tray
from tests.conftest import World

pytestmark = pytest.mark.django_db

OFFICERS = [
    ("so@demo.example", "Bilal Ahmed"),
    ("ds@demo.example", "Farah Malik"),
    ("cr@demo.example", "Usman Tariq"),
]


def test_demo_office_has_a_chart_and_moving_work_and_loads_once(world: World) -> None:
    with schema_context(world.sindh.tenant.schema_name):
        officers = [create_account(email=email, full_name=name) for email, name in OFFICERS]
        assert load_demo_office(officers=OFFICERS) is True
        so, ds, cr = (desk_of(officer) for officer in officers)
        assert [post.abbreviation for post in so.posts] == ["SO(Admin)"]
        assert items_in_tray(so, "inbox", TrayFilter(kind="receipt")).count() == 4
        assert items_in_tray(ds, "inbox", TrayFilter(kind="file")).count() == 1
        assert items_in_tray(cr, "inbox", TrayFilter()).count() == 0
        assert load_demo_office(officers=OFFICERS) is False
