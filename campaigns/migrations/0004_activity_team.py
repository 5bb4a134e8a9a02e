import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_team(apps, schema_editor):
    Activity = apps.get_model("campaigns", "Activity")
    Campaign = apps.get_model("campaigns", "Campaign")
    Activity.objects.update(
        team_id=Subquery(
            Campaign.objects.filter(pk=OuterRef("campaign_id")).values("team_id")
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0003_throttle_window"),
    ]

    operations = [
        migrations.AddField(
            model_name="activity",
            name="team",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="campaigns.team",
            ),
        ),
        migrations.RunPython(fill_team, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="activity",
            name="team",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="campaigns.team",
            ),
        ),
        migrations.RemoveIndex(
            model_name="activity",
            name="campaigns_a_campaig_707318_idx",
        ),
        migrations.AddIndex(
            model_name="activity",
            index=models.Index(
                fields=["campaign", "-created_at", "-id"],
                name="campaigns_a_campaig_e3ec8e_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="activity",
            index=models.Index(
                fields=["team", "-created_at", "-id"],
                name="campaigns_a_team_id_8a0347_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="activity",
            index=models.Index(
                fields=["team", "actor"], name="campaigns_a_team_id_1f862f_idx"
            ),
        ),
    ]
