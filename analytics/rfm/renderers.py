"""The migration matrix as CSV: one row per segment of the earlier run, one column per later segment."""

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
