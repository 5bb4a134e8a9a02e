"""Send the reminders that are due now, without a worker or beat.

python manage.py send_reminders
python manage.py send_reminders --dry-run --now 2026-11-23T08:00
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from campaigns import digests, mail, reminders


class Command(BaseCommand):
    help = "Send the reminders due now (or at --now); --dry-run only lists them."

    def add_arguments(self, parser):
        parser.add_argument(
            "--now",
            help="Act as if it were this moment (ISO 8601; without an offset, UTC).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Print who would receive what; send and record nothing.",
        )

    def handle(self, *args, now=None, dry_run=False, **options):
        try:
            now = digests.aware(now) if now else timezone.now()
        except ValueError as error:
            raise CommandError(f"--now: {error}") from error
        emails = reminders.scan(now)
        if dry_run:
            for email in emails:
                self.stdout.write(f"{email.to} [{email.kind}] {email.subject}")
            self.stdout.write(
                f"{len(emails)} reminders would be sent (dry run, nothing sent)."
            )
            return
        try:
            sent = mail.deliver(emails)
        except mail.SEND_ERRORS as error:
            raise CommandError(
                f"The mail server failed: {error!r}. Run the command again to retry."
            ) from error
        self.stdout.write(f"{sent} reminders sent.")
