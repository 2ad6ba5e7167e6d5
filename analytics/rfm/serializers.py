import math

from rest_framework import serializers

from analytics.rfm.models import RfmAlgorithm, RfmRun, RfmRunCustomer, RfmRunSegment


class RfmRunSegmentSerializer(serializers.ModelSerializer):
    segment = serializers.CharField(source="name")
    count = serializers.IntegerField(source="customers_count")

    class Meta:
        model = RfmRunSegment
        fields = [
            "segment",
            "count",
            "total_revenue",
            "cluster",
            "recency",
            "frequency",
            "monetary",
            "r_score",
            "f_score",
            "m_score",
        ]
        read_only_fields = fields


class RfmRunEvaluationSerializer(serializers.Serializer):
    """null where a metric is undefined (fewer than two clusters)."""

    silhouette_score = serializers.FloatField(allow_null=True)
    davies_bouldin_index = serializers.FloatField(allow_null=True)
    sample_size = serializers.IntegerField(source="evaluation_sample_size", allow_null=True)


class RfmRunSerializer(serializers.ModelSerializer):
    segments = RfmRunSegmentSerializer(many=True, read_only=True)
    evaluation = RfmRunEvaluationSerializer(source="*", read_only=True)

    class Meta:
        model = RfmRun
        fields = [
            "id",
            "algorithm",
            "status",
            "stage",
            "start_date",
            "end_date",
            "reference_date",
            "n_clusters",
            "eps",
            "min_samples",
            "parameters",
            "cut_points",
            "customers_count",
            "clusters_count",
            "segments",
            "evaluation",
            "error",
            "created_by",
            "created_at",
            "started_at",
            "completed_at",
        ]
        read_only_fields = fields


class FiniteFloatField(serializers.FloatField):
    """A float that is a real number: NaN, infinities and booleans are refused."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            self.fail("invalid")
        return value


class RfmRunCreateSerializer(serializers.Serializer):
    """What a run segments: the window, the algorithm and its parameters (only those that apply to it)."""

    algorithm = serializers.ChoiceField(choices=RfmAlgorithm.choices)
    start_date = serializers.DateField(required=False, allow_null=True)
    end_date = serializers.DateField(required=False, allow_null=True, help_text="Also the reference date of recency.")
    n_clusters = serializers.IntegerField(
        required=False, allow_null=True, min_value=2, help_text="kmeans: at least 2, at most the window's customers."
    )
    eps = FiniteFloatField(required=False, allow_null=True, help_text="dbscan: above 0, in scaled units.")
    min_samples = serializers.IntegerField(required=False, allow_null=True, min_value=1, help_text="dbscan.")

    def validate(self, attrs: dict) -> dict:
        unknown = sorted(set(getattr(self, "initial_data", {})) - set(self.fields))
        if unknown:
            raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return attrs


class RfmRunCustomerSerializer(serializers.ModelSerializer):
    class Meta:
        model = RfmRunCustomer
        fields = [
            "customer",
            "segment",
            "cluster",
            "recency",
            "frequency",
            "monetary",
            "r_score",
            "f_score",
            "m_score",
        ]
        read_only_fields = fields


class MigrationRowSerializer(serializers.Serializer):
    segment = serializers.CharField(help_text="A segment of the earlier run, or 'new'.")
    counts = serializers.DictField(
        child=serializers.IntegerField(), help_text="Customers by their segment in the later run, or 'gone'."
    )
    total = serializers.IntegerField()


class MigrationMatrixSerializer(serializers.Serializer):
    earlier_run = serializers.IntegerField()
    later_run = serializers.IntegerField()
    from_segments = serializers.ListField(child=serializers.CharField())
    to_segments = serializers.ListField(child=serializers.CharField())
    moved = serializers.IntegerField(help_text="Customers whose segment changed, counting new and gone ones.")
    rows = MigrationRowSerializer(many=True)
