from rest_framework import serializers

# What a dashboard answer says of its segments (named in the schema as DashboardSegmentsStatusEnum).
SEGMENTS_STATUSES = [("running", "Running"), ("succeeded", "Succeeded"), ("failed", "Failed")]


class DashboardSegmentSerializer(serializers.Serializer):
    segment = serializers.CharField()
    count = serializers.IntegerField()
    total_revenue = serializers.DecimalField(max_digits=18, decimal_places=2)


class DashboardEvaluationSerializer(serializers.Serializer):
    """null where a metric is undefined (one cluster, or the run still running)."""

    silhouette_score = serializers.FloatField(allow_null=True)
    davies_bouldin_index = serializers.FloatField(allow_null=True)
    sample_size = serializers.IntegerField(allow_null=True)


class DashboardCustomerSegmentsSerializer(serializers.Serializer):
    algorithm = serializers.CharField()
    run_id = serializers.IntegerField(allow_null=True, help_text="The RFM run the segments come from; poll it.")
    status = serializers.ChoiceField(choices=SEGMENTS_STATUSES, help_text="running: ask again, or poll the run.")
    segmentation = DashboardSegmentSerializer(many=True)
    evaluation = DashboardEvaluationSerializer()
    error = serializers.CharField(allow_null=True)


class DashboardSerializer(serializers.Serializer):
    start_date = serializers.DateField(allow_null=True)
    end_date = serializers.DateField(allow_null=True)
    model = serializers.CharField()
    total_sales = serializers.DecimalField(max_digits=18, decimal_places=2, help_text="Revenue: the line totals.")
    total_transactions = serializers.IntegerField(help_text="Orders.")
    products_sold = serializers.IntegerField(help_text="Units.")
    new_memberships = serializers.IntegerField(help_text="Memberships starting in the range, both ends included.")
    average_order_value = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True)
    customer_segments = DashboardCustomerSegmentsSerializer()
