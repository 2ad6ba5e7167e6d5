from django.conf import settings
from django.db import models
from django.db.models import Q

from common.models import TimeStampedModel, count_validators


class AgentRole(models.TextChoices):
    CALL_CENTER_AGENT = "Call Center Agent", "Call Center Agent"
    ADMIN = "Admin", "Admin"
    RETAIL_AGENT = "Retail Agent", "Retail Agent"
    AGENT = "Agent", "Agent"


class Team(models.Model):
    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Agent(models.Model):
    code = models.CharField(max_length=64, unique=True, help_text="External id carried by CSV files.")
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=32, choices=AgentRole.choices, default=AgentRole.AGENT, db_index=True)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, null=True, blank=True, related_name="agents")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="agent"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=[choice.value for choice in AgentRole]), name="agent_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.role})"


class Order(TimeStampedModel):
    code = models.CharField(max_length=64, unique=True, help_text="External id carried by CSV files.")
    # customer and agent lookups use the (customer, ordered_at) and (agent, ordered_at) indexes below.
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="orders", db_index=False)
    agent = models.ForeignKey(
        Agent, on_delete=models.PROTECT, null=True, blank=True, related_name="orders", db_index=False
    )
    membership = models.ForeignKey(
        "customers.Membership", on_delete=models.SET_NULL, null=True, blank=True, related_name="orders"
    )
    ordered_at = models.DateTimeField()
    region = models.CharField(max_length=100, blank=True)
    payment_method = models.CharField(max_length=50, blank=True)
    shipping_cost = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    subtotal = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    total_amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    class Meta:
        ordering = ["-ordered_at", "-id"]
        indexes = [
            models.Index(fields=["ordered_at"], name="order_ordered_at_idx"),
            models.Index(fields=["agent", "ordered_at"], name="order_agent_ordered_at_idx"),
            models.Index(fields=["customer", "ordered_at"], name="order_customer_ordered_at_idx"),
            models.Index(fields=["region", "ordered_at"], name="order_region_ordered_at_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(shipping_cost__gte=0), name="order_shipping_cost_not_negative"),
            models.CheckConstraint(condition=Q(subtotal__gte=0), name="order_subtotal_not_negative"),
            models.CheckConstraint(condition=Q(total_amount__gte=0), name="order_total_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return self.code


class OrderLine(models.Model):
    # Both keys are served by the (order, product) unique and (product, order) indexes below.
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines", db_index=False)
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="order_lines", db_index=False)
    quantity = models.PositiveIntegerField(validators=count_validators)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    discount = models.DecimalField(max_digits=5, decimal_places=4, default=0)
    line_total = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["product", "order"], name="orderline_product_order_idx")]
        constraints = [
            models.UniqueConstraint(fields=["order", "product"], name="orderline_unique_product_per_order"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="orderline_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="orderline_unit_price_not_negative"),
            models.CheckConstraint(
                condition=Q(discount__gte=0) & Q(discount__lte=1), name="orderline_discount_between_0_and_1"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.quantity} x {self.product_id}"
