from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = "Advocacy campaigns"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # signals connects the receivers; tasks registers the Celery tasks in every
        # process, so logic modules queue them by name and never import tasks.py.
        from . import signals, tasks  # noqa: F401
