"""Analytics' own tables: the data version cached answers are keyed by, and the rollups.

Rollups hold sales pre-aggregated at the grains the reports ask for (see
``analytics.rollups``). Each row sums the orders of one local day (or month) in ``ANALYTICS_TIME_ZONE``
for one value of one key. An order falls on exactly one day, so order counts,
revenue and units add up across days, months and keys without double
counting. Keys point at their records without database constraints: rows are
derived data, rewritten with the orders they sum, and must never stop a
record from being changed.
"""

from django.db import models
from django.db.models import Q


class DataVersion(models.Model):
    """One row whose ``version`` moves inside every write that changes an analytics answer.

    Cached reports are keyed by it. It lives in the database, not the cache, so
    the bump commits or rolls back with the write itself: an outage of the cache
    or a crash between commit and bump can never leave a stale answer keyed as
    current.
    """

    SINGLETON_ID = 1

    version = models.BigIntegerField(default=1)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="data_version_single_row")]

    def __str__(self) -> str:
        return f"data version {self.version}"


class RollupMeasures(models.Model):
    """Distinct orders, revenue (sum of line totals, shipping excluded) and units of the row's sales."""

    orders = models.PositiveIntegerField()
    revenue = models.DecimalField(max_digits=18, decimal_places=2)
    units = models.PositiveBigIntegerField()

    class Meta:
        abstract = True


class AgentDailySales(RollupMeasures):
    """Day x agent (null: orders without an agent). Serves by-agent, by-team and the metrics totals."""

    day = models.DateField()
    agent = models.ForeignKey(
        "sales.Agent", on_delete=models.DO_NOTHING, null=True, db_constraint=False, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "agent"], name="agentdaily_unique", condition=Q(agent__isnull=False)
            ),
            models.UniqueConstraint(fields=["day"], name="agentdaily_unique_no_agent", condition=Q(agent__isnull=True)),
        ]
        indexes = [models.Index(fields=["day"], name="agentdaily_day_idx")]

    def __str__(self) -> str:
        return f"{self.day} agent {self.agent_id}"


class AgentMonthlySales(RollupMeasures):
    """Month x agent, summed from the day x agent rows: by-agent and by-team by month, quarter and year."""

    month = models.DateField()
    agent = models.ForeignKey(
        "sales.Agent", on_delete=models.DO_NOTHING, null=True, db_constraint=False, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "agent"], name="agentmonthly_unique", condition=Q(agent__isnull=False)
            ),
            models.UniqueConstraint(
                fields=["month"], name="agentmonthly_unique_no_agent", condition=Q(agent__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} agent {self.agent_id}"


class CategoryDailySales(RollupMeasures):
    """Day x category of the products sold; an order with lines in two categories counts in each."""

    day = models.DateField()
    category = models.ForeignKey("catalog.Category", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "category"], name="categorydaily_unique")]

    def __str__(self) -> str:
        return f"{self.day} category {self.category_id}"


class RegionPaymentDailySales(RollupMeasures):
    """Day x order region x payment method: the order's own fields, fixed when it is written."""

    day = models.DateField()
    region = models.CharField(max_length=100)
    payment_method = models.CharField(max_length=50)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "region", "payment_method"], name="regionpaymentdaily_unique")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.region} {self.payment_method}"


class CustomerMonthlySales(RollupMeasures):
    """Month x customer (``month`` is the month's first day): top customers over whole months."""

    month = models.DateField()
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["month", "customer"], name="customermonthly_unique")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} customer {self.customer_id}"


class CustomerTotalSales(RollupMeasures):
    """One row per customer with sales: all-time totals, summed from the monthly rows, for all-time top lists."""

    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )

    class Meta:
        indexes = [models.Index(models.F("revenue").desc(), "customer", name="customertotal_revenue_idx")]

    def __str__(self) -> str:
        return f"customer {self.customer_id}: {self.revenue}"


class ProductMonthlySales(RollupMeasures):
    """Month x product: top products over whole months (``orders`` = lines, one per order and product)."""

    month = models.DateField()
    product = models.ForeignKey("catalog.Product", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["month", "product"], name="productmonthly_unique")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} product {self.product_id}"


class RollupState(models.Model):
    """The zone the rollups were built in (one row). Rollups serve reports only while it is the current zone."""

    time_zone = models.CharField(max_length=64)
    rebuilt_at = models.DateTimeField()

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="rollupstate_single_row")]

    def __str__(self) -> str:
        return f"rollups in {self.time_zone}"
