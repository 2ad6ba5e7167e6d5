from django.conf import settings
from django.db import models
from django.db.models import F, Q


class RfmAlgorithm(models.TextChoices):
    QUANTILE = "quantile", "Quintile scores and the RxF grid"
    KMEANS = "kmeans", "k-means"
    DBSCAN = "dbscan", "DBSCAN"


class RfmRunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class RfmRun(models.Model):
    """One segmentation of the customers who ordered in a date window, with its evaluation."""

    algorithm = models.CharField(max_length=16, choices=RfmAlgorithm.choices)
    status = models.CharField(max_length=16, choices=RfmRunStatus.choices, default=RfmRunStatus.QUEUED)
    stage = models.CharField(max_length=32, blank=True, help_text="What a running run is doing now.")
    start_date = models.DateField(null=True, blank=True, help_text="First day of the window; blank: no lower bound.")
    end_date = models.DateField(null=True, blank=True, help_text="Last day of the window; blank: up to today.")
    reference_date = models.DateField(help_text="Recency is counted in days back from this date (end_date or today).")
    n_clusters = models.PositiveSmallIntegerField(null=True, blank=True, help_text="k-means: clusters asked for.")
    eps = models.FloatField(null=True, blank=True, help_text="DBSCAN: neighbourhood radius in scaled units.")
    min_samples = models.PositiveIntegerField(null=True, blank=True, help_text="DBSCAN: neighbours of a core point.")
    parameters = models.JSONField(
        default=dict, blank=True, help_text="The parameters the run used, and how those not given were chosen."
    )
    cut_points = models.JSONField(
        default=dict, blank=True, help_text="The 20/40/60/80% quantiles of recency, frequency and monetary."
    )
    customers_count = models.PositiveIntegerField(default=0)
    clusters_count = models.PositiveIntegerField(null=True, blank=True, help_text="Clusters found, noise excluded.")
    silhouette_score = models.FloatField(null=True, blank=True)
    davies_bouldin_index = models.FloatField(null=True, blank=True)
    evaluation_sample_size = models.PositiveIntegerField(
        null=True, blank=True, help_text="Customers the evaluation metrics were computed on (a random sample)."
    )
    data_version = models.BigIntegerField(
        null=True, blank=True, help_text="The analytics data version the run read; the dashboard reuses runs of it."
    )
    # null, not "", while the run has not failed: the API contract says so.
    error = models.TextField(null=True, blank=True, help_text="Why the run failed.")  # noqa: DJ001
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="rfm_runs"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True, help_text="Last sign of life from the worker.")
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "rfm_run"
        verbose_name = "RFM run"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "heartbeat_at"], name="rfm_run_status_heartbeat_idx"),
            models.Index(fields=["algorithm", "reference_date", "start_date", "end_date"], name="rfm_run_reuse_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[choice.value for choice in RfmRunStatus]), name="rfm_run_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(algorithm__in=[choice.value for choice in RfmAlgorithm]), name="rfm_run_algorithm_valid"
            ),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True) | Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="rfm_run_window_ordered",
            ),
            models.CheckConstraint(condition=Q(eps__isnull=True) | Q(eps__gt=0), name="rfm_run_eps_positive"),
        ]

    def __str__(self) -> str:
        return f"RFM run {self.pk} ({self.algorithm}, {self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in {RfmRunStatus.SUCCEEDED, RfmRunStatus.FAILED}


class RfmRunSegment(models.Model):
    """A run's segment: its size and revenue, and for a cluster the centre it was named from."""

    run = models.ForeignKey(RfmRun, on_delete=models.CASCADE, related_name="segments")
    name = models.CharField(max_length=64)
    cluster = models.SmallIntegerField(null=True, blank=True, help_text="Cluster label; -1 is DBSCAN noise.")
    customers_count = models.PositiveIntegerField()
    total_revenue = models.DecimalField(max_digits=18, decimal_places=2)
    recency = models.FloatField(null=True, blank=True, help_text="The cluster centre's recency in days.")
    frequency = models.FloatField(null=True, blank=True, help_text="The cluster centre's frequency in orders.")
    monetary = models.FloatField(null=True, blank=True, help_text="The cluster centre's revenue.")
    r_score = models.PositiveSmallIntegerField(null=True, blank=True)
    f_score = models.PositiveSmallIntegerField(null=True, blank=True)
    m_score = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        db_table = "rfm_run_segment"
        verbose_name = "RFM segment"
        ordering = ["run", "-customers_count", "name"]
        constraints = [models.UniqueConstraint(fields=["run", "name"], name="rfm_segment_unique_name_per_run")]

    def __str__(self) -> str:
        return f"{self.name} ({self.customers_count})"


class RfmRunCustomer(models.Model):
    """One customer's recency, frequency, monetary value, scores and segment in one run."""

    # Neither key has a database constraint: PostgreSQL checks each at commit, row by row, which costs a
    # run a fifth of its time. The rows are written only by the run's own service, in the transaction that
    # marks the run succeeded, with customer ids read from orders (whose key vouches for them); deleting
    # a run or a customer still deletes its rows (Django's CASCADE).
    # Run lookups use the (run, customer) unique and (run, segment, customer) indexes below.
    run = models.ForeignKey(
        RfmRun, on_delete=models.CASCADE, related_name="customers", db_index=False, db_constraint=False
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="rfm_rows", db_constraint=False
    )
    segment = models.CharField(max_length=64)
    cluster = models.SmallIntegerField(null=True, blank=True)
    recency = models.PositiveIntegerField(help_text="Days from the reference date back to the last order.")
    frequency = models.PositiveIntegerField(help_text="Distinct orders in the window.")
    monetary = models.DecimalField(max_digits=16, decimal_places=2, help_text="Revenue in the window.")
    r_score = models.PositiveSmallIntegerField()
    f_score = models.PositiveSmallIntegerField()
    m_score = models.PositiveSmallIntegerField()

    class Meta:
        db_table = "rfm_run_customer"
        verbose_name = "RFM customer row"
        ordering = ["run", "customer"]
        indexes = [models.Index(fields=["run", "segment", "customer"], name="rfm_customer_run_segment_idx")]
        constraints = [
            models.UniqueConstraint(fields=["run", "customer"], name="rfm_customer_unique_per_run"),
            models.CheckConstraint(
                condition=Q(r_score__range=(1, 5)) & Q(f_score__range=(1, 5)) & Q(m_score__range=(1, 5)),
                name="rfm_customer_scores_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} in run {self.run_id}: {self.segment}"
