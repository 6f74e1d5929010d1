from django.db import migrations

DOMAINS = [
    ("fire", "消防"),
    ("hazardous_chemicals", "危险化学品"),
    ("mines", "矿山"),
    ("fireworks", "烟花爆竹"),
    ("industry_trade", "工贸"),
    ("construction", "建筑施工"),
    ("gas", "燃气"),
    ("rural_houses", "农村自建房"),
    ("roads_traffic", "道路交通"),
    ("flood_drought", "防汛抗旱"),
    ("mountain_torrents", "山洪"),
    ("geological", "地质灾害"),
    ("forest_fire", "森林火灾"),
    ("weather", "气象灾害"),
    ("earthquake", "地震"),
    ("other", "其他"),
]


def seed(apps, schema_editor):
    Domain = apps.get_model("grid", "Domain")
    for sort, (code, name) in enumerate(DOMAINS, start=1):
        Domain.objects.get_or_create(code=code, defaults={"name": name, "sort": sort})


class Migration(migrations.Migration):
    dependencies = [("grid", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
