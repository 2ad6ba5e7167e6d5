from django.db import migrations


def create_row(apps, schema_editor):
    DataVersion = apps.get_model("analytics", "DataVersion")
    DataVersion.objects.get_or_create(pk=1, defaults={"version": 1})


class Migration(migrations.Migration):
    dependencies = [("analytics", "0001_data_version")]

    operations = [migrations.RunPython(create_row, migrations.RunPython.noop)]
