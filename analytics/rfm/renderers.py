"""CSV answers: the migration matrix (a row per earlier segment, a column per later one) and a run's rows."""

import csv
import io

from rest_framework.renderers import BaseRenderer


class MigrationMatrixCsvRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out)
        if not isinstance(data, dict) or "rows" not in data:  # an error body
            writer.writerow(["detail"])
            writer.writerow([data.get("detail", data) if isinstance(data, dict) else data])
            return out.getvalue().encode()
        writer.writerow(["segment", *data["to_segments"], "total"])
        for row in data["rows"]:
            writer.writerow([row["segment"], *(row["counts"][name] for name in data["to_segments"]), row["total"]])
        return out.getvalue().encode()


class RunCustomersCsvRenderer(BaseRenderer):
    """Names the ``csv`` format for content negotiation; the view streams the rows itself, unpaginated."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        return MigrationMatrixCsvRenderer().render(data if isinstance(data, dict) else {"detail": data})
