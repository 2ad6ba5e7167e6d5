import pytest

from analytics.rollups import rollups_rebuild
from tests.analytics.shop import World, build_world


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def new_york(settings):
    """A zone five hours behind UTC in winter, with the rollups rebuilt for it (as ``rebuild_rollups`` would)."""
    settings.ANALYTICS_TIME_ZONE = "America/New_York"
    rollups_rebuild()
    return "America/New_York"
