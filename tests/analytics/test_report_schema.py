"""The OpenAPI schema documents every analytics report: each parameter, its allowed values, each row field."""

from io import StringIO

import yaml
from django.core.management import call_command

from analytics.serializers import SalesByAgentRowSerializer, SalesByTeamRowSerializer
from sales.models import AgentRole


def schema() -> dict:
    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    return yaml.safe_load(out.getvalue())


def parameters(document: dict, route: str) -> dict[str, dict]:
    return {p["name"]: p["schema"] for p in document["paths"][route]["get"]["parameters"]}


def row_fields(document: dict, route: str) -> set[str]:
    content = document["paths"][route]["get"]["responses"]["200"]["content"]
    assert {"application/json", "text/csv"} <= set(content), route
    envelope = content["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    results = document["components"]["schemas"][envelope]["properties"]["results"]["items"]["$ref"]
    return set(document["components"]["schemas"][results.rsplit("/", 1)[-1]]["properties"])


def test_sales_reports_document_every_parameter_and_value():
    document = schema()
    for route, ids, sort_key in [
        ("/api/v1/analytics/sales/by-agent/", "agent_id", "agent_id"),
        ("/api/v1/analytics/sales/by-team/", "team_id", "team_id"),
    ]:
        params = parameters(document, route)
        assert set(params) == {"start_date", "end_date", ids, "role", "interval", "sort_by", "order", "format"}
        assert set(params["interval"]["enum"]) == {"day", "week", "month", "quarter", "year"}
        assert params["interval"]["default"] == "month"
        assert set(params["sort_by"]["enum"]) == {"period", "total_revenue", "sales_count", "average_revenue", sort_key}
        assert set(params["order"]["enum"]) == {"asc", "desc"}
        assert set(params["role"]["enum"]) == set(AgentRole.values)
        assert params["start_date"]["format"] == "date"
    assert row_fields(document, "/api/v1/analytics/sales/by-agent/") == set(SalesByAgentRowSerializer.Meta.fields)
    assert row_fields(document, "/api/v1/analytics/sales/by-team/") == set(SalesByTeamRowSerializer.Meta.fields)


def test_metrics_and_top_lists_document_every_parameter_and_field():
    document = schema()
    metrics = parameters(document, "/api/v1/analytics/metrics/")
    assert set(metrics) == {
        "metrics",
        "start_date",
        "end_date",
        "interval",
        "segment_by",
        "customer_id",
        "limit",
        "compare",
        "format",
    }
    assert metrics["compare"]["enum"] == ["previous_period"]
    result = document["paths"]["/api/v1/analytics/metrics/"]["get"]["responses"]["200"]["content"]
    item = result["application/json"]["schema"]["items"]["$ref"].rsplit("/", 1)[-1]
    assert set(document["components"]["schemas"][item]["properties"]) == {
        "metric",
        "total_value",
        "time_series",
        "segment_data",
        "previous_total_value",
        "previous_time_series",
    }
    for route, by, fields in [
        (
            "/api/v1/analytics/top-customers/",
            "revenue",
            {"customer", "code", "name", "total_revenue", "orders_count", "units"},
        ),
        (
            "/api/v1/analytics/top-products/",
            "units",
            {"product", "code", "name", "category", "units", "total_revenue", "orders_count"},
        ),
    ]:
        params = parameters(document, route)
        assert set(params) == {"limit", "start_date", "end_date", "by", "format"}
        assert set(params["by"]["enum"]) == {"revenue", "orders", "units"}
        assert params["by"]["default"] == by
        assert params["limit"]["default"] == 10
        assert row_fields(document, route) == fields
    refresh = document["paths"]["/api/v1/analytics/cache/refresh/"]["post"]["responses"]
    assert {"200", "401", "403"} <= set(refresh)
