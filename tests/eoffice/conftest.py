from collections.abc import Iterator

import pytest
from django_tenants.utils import schema_context

from tests.conftest import World
from tests.eoffice.chart import Chart, build_chart


@pytest.fixture
def chart(world: World, db: None) -> Iterator[Chart]:
    """The test chart in Punjab's schema, entered for the test and rolled back after it."""
    with schema_context(world.punjab.tenant.schema_name):
        yield build_chart()
