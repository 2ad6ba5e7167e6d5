"""Seed 003's answer: ``[{metricName, totalValue, timeSeriesData, segmentData}]`` from our metric results."""

from typing import Any

from rest_framework import serializers

from analytics.selectors.metrics import MetricResult
from compat.analytics_api.params import METRIC_OF, SEGMENT_OF


def metric_data(result: MetricResult) -> dict[str, Any]:
    """One metric; ``segmentData`` is flat as the original's: ``{value: total}`` for one dimension asked,
    ``{"dimension:value": total}`` for several."""
    segments = result.segment_data
    if len(segments) == 1:
        flat = dict(next(iter(segments.values())))
    else:
        flat = {
            f"{SEGMENT_OF[dimension]}:{key}": value
            for dimension, values in segments.items()
            for key, value in values.items()
        }
    return {
        "metricName": METRIC_OF[str(result.metric)],
        "totalValue": result.total_value,
        "timeSeriesData": [
            {"timestamp": point.start.isoformat(), "value": point.value} for point in result.time_series
        ],
        "segmentData": flat,
    }


class AnalyticsPointSerializer(serializers.Serializer):
    timestamp = serializers.DateField(help_text="The bucket's first day (local, ANALYTICS_TIME_ZONE).")
    value = serializers.FloatField()


class AnalyticsMetricSerializer(serializers.Serializer):
    metricName = serializers.CharField(help_text="revenue, orders, units, customers or averageOrderValue.")
    totalValue = serializers.FloatField()
    timeSeriesData = AnalyticsPointSerializer(many=True)
    segmentData = serializers.DictField(
        child=serializers.FloatField(),
        help_text='The metric per value of the dimension asked in `segments` ("(none)": no value); with several '
        'dimensions, keys read "dimension:value".',
    )


class AnalyticsRefreshSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    message = serializers.CharField()
    dataVersion = serializers.IntegerField(help_text="The new data version; answers cached before it are unused.")
