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
