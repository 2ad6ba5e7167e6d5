"""The OpenAPI schema documents every segment route, its parameters and the criteria object."""

from io import StringIO

import yaml
from django.core.management import call_command


def test_the_schema_documents_the_segment_routes():
    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    schema = yaml.safe_load(out.getvalue())
    paths = schema["paths"]

    for route, method in [
        ("/api/v1/segments/", "post"),
        ("/api/v1/segments/{id}/", "patch"),
        ("/api/v1/segments/preview/", "post"),
        ("/api/v1/segments/{id}/refresh/", "post"),
        ("/api/v1/segments/{id}/customers/", "get"),
        ("/api/v1/segments/{id}/history/", "get"),
        ("/api/v1/segments/{id}/changes/", "get"),
    ]:
        assert method in paths[route], route
    members = {p["name"] for p in paths["/api/v1/segments/{id}/customers/"]["get"]["parameters"]}
    assert {"id", "page", "page_size", "ordering", "search", "format"} <= members
    changes = {p["name"] for p in paths["/api/v1/segments/{id}/changes/"]["get"]["parameters"]}
    assert {"since", "until", "direction", "page", "page_size"} <= changes
    criteria = schema["components"]["schemas"]["SegmentRequest"]["properties"]["criteria"]
    assert set(criteria["properties"]) == {
        "min_orders",
        "max_orders",
        "min_revenue",
        "max_revenue",
        "categories",
        "regions",
        "start_date",
        "end_date",
    }
    assert criteria["additionalProperties"] is False
    created = paths["/api/v1/segments/"]["post"]["responses"]["201"]["content"]["application/json"]["schema"]
    assert created["$ref"].endswith("/SegmentWithWarnings")
