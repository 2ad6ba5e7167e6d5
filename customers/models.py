from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper

from common.models import TimeStampedModel


class Gender(models.TextChoices):
    MALE = "male", "Male"
    FEMALE = "female", "Female"
    OTHER = "other", "Other"
    UNSPECIFIED = "", "Unspecified"


class Tier(models.TextChoices):
    BRONZE = "bronze", "Bronze"
    SILVER = "silver", "Silver"
    GOLD = "gold", "Gold"


class Customer(TimeStampedModel):
    code = models.CharField(max_length=64, unique=True, help_text="External id carried by CSV files.")
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    gender = models.CharField(max_length=10, choices=Gender.choices, blank=True, default=Gender.UNSPECIFIED)
    date_of_birth = models.DateField(null=True, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    address = models.TextField(blank=True)
    region = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["id"]
        # The API's email filter ignores case (UPPER(email) = UPPER(%s)), which only an index on
        # UPPER(email) can answer; the plain indexes serve ordering (a region holds too many customers
        # for an index to help its filter). Meta indexes also spare the varchar_pattern_ops copies that
        # db_index=True adds on PostgreSQL, for LIKE 'prefix%', which no query here makes.
        indexes = [
            models.Index(fields=["email"], name="customer_email_idx"),
            models.Index(Upper("email"), name="customer_email_upper_idx"),
            models.Index(fields=["region"], name="customer_region_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(gender__in=[choice.value for choice in Gender]), name="customer_gender_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Membership(TimeStampedModel):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="memberships")
    number = models.CharField(max_length=64, unique=True)
    tier = models.CharField(max_length=10, choices=Tier.choices, default=Tier.BRONZE)
    start_date = models.DateField(db_index=True)
    end_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(tier__in=[choice.value for choice in Tier]), name="membership_tier_valid"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="membership_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.get_tier_display()})"


class Segment(TimeStampedModel):
    """A rule-based group of customers; ``criteria`` follow SPEC §6 and are validated by ``criteria_parse``."""

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    criteria = models.JSONField(default=dict, blank=True)
    # As of the last refresh (null until the first one).
    customers_count = models.PositiveIntegerField(null=True, blank=True, editable=False)
    total_revenue = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True, editable=False)
    refreshed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Bumped when the criteria change: snapshots of one line are comparable, across lines they are not.
    history_line = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from customers.criteria import CriteriaError, criteria_parse

        try:
            criteria_parse(self.criteria)
        except CriteriaError as exc:
            raise ValidationError({"criteria": str(exc)}) from exc


class RefreshReason(models.TextChoices):
    CREATED = "created", "Segment created"
    CRITERIA_CHANGED = "criteria_changed", "Criteria changed"
    IMPORT = "import", "After an import"
    ORDERS = "orders", "After order writes"
    DAILY = "daily", "Daily refresh"
    MANUAL = "manual", "Refreshed on demand"


class SegmentSnapshot(models.Model):
    """The segment's size and revenue at one refresh; written only when something moved.

    A snapshot starting a history line (created, criteria changed) has no change rows: its members
    were selected by other rules, so none of them "entered".
    """

    # Served by the (segment, taken_at) index.
    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="snapshots", db_index=False)
    line = models.PositiveIntegerField()
    taken_at = models.DateTimeField()
    reason = models.CharField(max_length=20, choices=RefreshReason.choices)
    criteria = models.JSONField(help_text="The criteria the members were computed with.")
    customers_count = models.PositiveIntegerField()
    total_revenue = models.DecimalField(max_digits=16, decimal_places=2)
    entered_count = models.PositiveIntegerField(default=0)
    left_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["taken_at", "id"]
        indexes = [models.Index(fields=["segment", "taken_at"], name="segmentsnapshot_segment_at_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(reason__in=[choice.value for choice in RefreshReason]), name="segmentsnapshot_reason_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.segment_id} at {self.taken_at:%Y-%m-%d %H:%M}: {self.customers_count}"


class ChangeDirection(models.TextChoices):
    ENTERED = "entered", "Entered"
    LEFT = "left", "Left"


class SegmentChange(models.Model):
    """One customer entering or leaving a segment, found by the refresh that took ``snapshot``."""

    # Served by the (segment, at) index.
    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="changes", db_index=False)
    snapshot = models.ForeignKey(SegmentSnapshot, on_delete=models.CASCADE, related_name="changes")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="segment_changes")
    direction = models.CharField(max_length=10, choices=ChangeDirection.choices)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["segment", "at"], name="segmentchange_segment_at_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(direction__in=[choice.value for choice in ChangeDirection]),
                name="segmentchange_direction_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.direction} {self.segment_id}"


class SegmentMember(models.Model):
    """The members found by the segment's last refresh, kept only to tell the next one who moved.

    One row per current member, replaced as members come and go; the history itself keeps counts
    and changes only.
    """

    pk = models.CompositePrimaryKey("segment", "customer")
    # The primary key's index serves the segment; the customer has its own.
    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="members", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="segment_memberships")

    def __str__(self) -> str:
        return f"{self.customer_id} in {self.segment_id}"
