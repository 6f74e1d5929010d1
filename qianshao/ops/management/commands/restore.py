"""`qianshao restore ARCHIVE [--force]`: an archive back into an empty data dir/database."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from qianshao.ops import restore
from qianshao.ops.backup import BackupError


class Command(BaseCommand):
    # no system checks: they import every URL and API schema (seconds), and these commands
    # use neither
    requires_system_checks = []
    help = (
        "Restore an archive of `qianshao backup` into an empty data directory or database: "
        "every member is checked before anything is written; then the audit chain is "
        "verified and the row counts compared with the archive's manifest."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--force", action="store_true", help="replace the database and files that are there"
        )

    def handle(self, *args, archive, force, **options):
        try:
            outcome = restore.restore(archive, force=force)
        except BackupError as exc:
            raise CommandError(f"restore refused: {exc}") from exc
        for line in outcome.lines:
            self.stdout.write(line)
        if not outcome.ok:
            for line in outcome.differences:
                self.stderr.write(f"DIFFERENCE: {line}")
            raise CommandError(f"restored, but {len(outcome.differences)} differences (above)")
        self.stdout.write(self.style.SUCCESS(f"restored {archive}: everything matches"))
