"""Send the weekly digests that are due now, without a worker or beat.

python manage.py send_digests
python manage.py send_digests --dry-run --now 2026-11-23T08:00
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from campaigns import digests, mail


class Command(BaseCommand):
    help = "Send the weekly digests due now (or at --now); --dry-run only lists them."

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
        if dry_run:
            return self.dry_run(now)
        for delivery in mail.report_stale_claims():
            self.stderr.write(
                f"Unknown (interrupted while sending): {delivery.kind} "
                f"{delivery.key} to {delivery.user.email}"
            )
        ids = digests.due_user_ids(now)
        sent = 0
        for chunk in digests.chunks(ids):
            try:
                sent += digests.deliver_digests(chunk, now)
            except mail.SEND_ERRORS as error:
                raise CommandError(
                    f"The mail server failed after {sent} digests: {error!r}. "
                    "Run the command again to retry."
                ) from error
        self.stdout.write(f"{len(ids)} people due, {sent} digests sent.")

    def dry_run(self, now):
        count = 0
        for digest, subject in digests.preview(now):
            count += 1
            self.stdout.write(f"{digest.user.email} [{digest.period}] {subject}")
            for c in digest.campaigns:
                parts = [
                    f"{len(c.overdue)} overdue",
                    f"{len(c.due_soon)} due soon",
                    f"{len(c.finished)} tactics finished",
                    f"{len(c.stance_changes)} stance changes",
                    f"{len(c.milestones_moved)} milestones moved",
                    f"{len(c.upcoming_milestones)} milestones upcoming",
                ]
                if c.report_due_on:
                    parts.append(f"report due {c.report_due_on.isoformat()}")
                self.stdout.write(f"    {c.campaign.name}: " + ", ".join(parts))
        self.stdout.write(f"{count} digests would be sent (dry run, nothing sent).")
