from django.db import models
from django.db.models import F, Q

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
    email = models.EmailField(blank=True, db_index=True)
    gender = models.CharField(max_length=10, choices=Gender.choices, blank=True, default=Gender.UNSPECIFIED)
    date_of_birth = models.DateField(null=True, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    address = models.TextField(blank=True)
    region = models.CharField(max_length=100, blank=True, db_index=True)

    class Meta:
        ordering = ["id"]
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
