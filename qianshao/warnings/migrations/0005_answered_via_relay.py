"""An answer may come by relaying (转发): relaying a warning answers the relayer's own
delivery of it as 已收到."""

from django.db import migrations, models

VIA = [
    ("phone", "手机页面"),
    ("inbox", "站内消息"),
    ("link", "短信一键回复"),
    ("api", "接口"),
    ("relay", "转发"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("warnings", "0004_chase_steps_taken"),
    ]

    operations = [
        migrations.AlterField(
            model_name="delivery",
            name="answered_via",
            field=models.CharField(blank=True, choices=VIA, max_length=8, verbose_name="叫应方式"),
        ),
        migrations.AlterField(
            model_name="reply",
            name="via",
            field=models.CharField(choices=VIA, max_length=8, verbose_name="叫应方式"),
        ),
    ]
