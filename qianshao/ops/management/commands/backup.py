"""`qianshao backup [--to DIR] [--with-keys]`: one archive of the running platform."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from qianshao.ops import backup


class Command(BaseCommand):
    # no system checks: they import every URL and API schema (seconds), and these commands
    # use neither
    requires_system_checks = []
    help = (
        "Write one backup archive (database copy, uploaded files, manifest) while the "
        "platform runs. The keys are left out unless --with-keys is given."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--to", type=Path, default=None, help=f"directory (default {settings.BACKUP_DIR})"
        )
        parser.add_argument(
            "--with-keys",
            action="store_true",
            help="also put the secret key and the audit key in the archive",
        )

    def handle(self, *args, to, with_keys, **options):
        try:
            result = backup.take(to, with_keys=with_keys)
        except backup.BackupError as exc:
            raise CommandError(f"backup failed: {exc}") from exc
        manifest = result.manifest
        rows = sum(manifest["tables"].values())
        head = manifest["audit_head"]
        self.stdout.write(
            f"backup written: {result.path} ({result.bytes / 1e6:.1f} MB)\n"
            f"  database: {manifest['database']['vendor']}, {len(manifest['tables'])} tables,"
            f" {rows} rows; audit chain head #{head['seq']}\n"
            f"  uploaded files: {sum(1 for m in manifest['members'] if m.startswith('media/'))}"
        )
        where = ", ".join(backup.key_locations())
        if with_keys:
            self.stdout.write(
                self.style.WARNING(
                    "  the archive HOLDS THE KEYS (secret key, audit key): whoever has it can"
                    " forge sessions and re-seal the audit chain. Keep it as safe as the keys."
                )
            )
        else:
            self.stdout.write(
                f"  the keys are NOT in the archive; they are at: {where}\n"
                "  keep a copy of them apart from the archives: a restore needs the audit key"
            )
