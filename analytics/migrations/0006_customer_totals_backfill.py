from django.db import migrations


def build_totals(apps, schema_editor):
    from analytics.rollups import rollups_rebuild

    # Summed from the monthly rollup, which migration 0004 and every write since keep current.
    rollups_rebuild(apps=apps, tables={"CustomerTotalSales"})


def drop_totals(apps, schema_editor):
    apps.get_model("analytics", "CustomerTotalSales").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("analytics", "0005_customer_totals")]

    operations = [migrations.RunPython(build_totals, drop_totals)]
