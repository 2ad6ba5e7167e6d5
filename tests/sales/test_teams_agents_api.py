import pytest

from sales.models import Agent
from sales.services import order_create
from tests.factories import make_agent, make_customer, make_product, make_team

pytestmark = pytest.mark.django_db


def test_agent_round_trip_uses_the_spec_field_names(manager_client, viewer_user):
    team = make_team(name="Alpha")

    created = manager_client.post(
        "/api/v1/agents/",
        {"code": "A-7", "name": "Kim", "role": "Call Center Agent", "team": team.pk, "user": viewer_user.pk},
    )

    assert created.status_code == 201, created.json()
    assert created.json() == {
        "id": created.json()["id"],
        "code": "A-7",
        "name": "Kim",
        "role": "Call Center Agent",
        "team": team.pk,
        "user": viewer_user.pk,
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [({"role": "Boss"}, "role"), ({"team": 999999}, "team"), ({"name": ""}, "name"), ({"user": 999999}, "user")],
)
def test_bad_agents_are_400_naming_the_field(manager_client, body, field):
    response = manager_client.post("/api/v1/agents/", {"name": "Kim", "role": "Agent", **body})
    assert response.status_code == 400
    assert field in response.json()
    assert Agent.objects.count() == 0


def test_agents_filter_by_role_and_team(viewer_client):
    alpha, beta = make_team(), make_team()
    retail = make_agent(team=alpha, role="Retail Agent")
    make_agent(team=beta, role="Admin")

    by_role = viewer_client.get("/api/v1/agents/", {"role": "Retail Agent"}).json()
    by_team = viewer_client.get("/api/v1/agents/", {"team": alpha.pk}).json()
    bad_role = viewer_client.get("/api/v1/agents/", {"role": "Wizard"})

    assert [row["id"] for row in by_role["results"]] == [retail.pk]
    assert [row["id"] for row in by_team["results"]] == [retail.pk]
    assert bad_role.status_code == 400
    assert "role" in bad_role.json()


def test_teams_with_agents_and_agents_with_orders_cannot_be_deleted(manager_client):
    agent = make_agent()
    order_create(customer=make_customer(), agent=agent, lines=[{"product": make_product(), "quantity": 1}])

    assert manager_client.delete(f"/api/v1/teams/{agent.team_id}/").status_code == 409
    assert manager_client.delete(f"/api/v1/agents/{agent.pk}/").status_code == 409


def test_team_names_are_unique(manager_client):
    make_team(name="Alpha")
    response = manager_client.post("/api/v1/teams/", {"name": "Alpha"})
    assert response.status_code == 400
    assert "name" in response.json()
