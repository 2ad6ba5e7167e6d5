from django.db import migrations


def build_rollups(apps, schema_editor):
    from analytics.rollups import rollups_rebuild

    # Orders already stored (an upgraded database) get their rollups now, in the current zone.
    rollups_rebuild(apps=apps)


def drop_rollups(apps, schema_editor):
    for name in ("AgentDailySales", "AgentMonthlySales", "CategoryDailySales", "RegionPaymentDailySales", "CustomerMonthlySales",
                 "ProductMonthlySales", "RollupState"):
        apps.get_model("analytics", name).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0003_rollups"),
        ("sales", "0001_initial"),
        ("catalog", "0001_initial"),
        ("customers", "0002_customer_email_region_indexes"),
    ]

    operations = [migrations.RunPython(build_rollups, drop_rollups)]
