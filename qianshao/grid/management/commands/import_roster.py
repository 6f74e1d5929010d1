"""``qianshao import-roster``: import a roster file now, in the batches a job writes."""

import hashlib
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from qianshao.grid.importers.roster import parse_roster
from qianshao.grid.importers.roster_writer import every_error, import_rows
from qianshao.lib.tabular import ImportFailed


class Command(BaseCommand):
    help = "Import a roster (.xlsx or .csv) of people and their roles; all rows or none."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--as", dest="username", help="import with this user's scope (default: the system)"
        )

    def handle(self, *args, file: Path, username=None, **options):
        if not file.is_file():
            raise CommandError(f"no such file: {file}")
        actor = None
        if username:
            actor = get_user_model().objects.filter(username=username).first()
            if actor is None:
                raise CommandError(f"no such user: {username}")
        with file.open("rb") as data:
            digest = hashlib.file_digest(data, "sha256").hexdigest()
            data.seek(0)
            rows, errors = parse_roster(data, file.name)
        progress = self._progress if options["verbosity"] > 1 else None
        errors = every_error(actor, rows, errors, file.name)  # the file's and the grid's
        if not errors:
            try:
                record = import_rows(
                    actor, rows, source=file.name, digest=digest, progress=progress
                )
            except ImportFailed as exc:
                errors = exc.errors
        if errors:
            lines = "\n".join(f"  {e}" for e in errors)
            raise CommandError(f"roster refused, nothing written ({len(errors)} errors):\n{lines}")
        self.stdout.write(f"imported {record.assignments} appointments, {record.people} new people")

    def _progress(self, done: int) -> None:
        self.stderr.write(f"  {done} rows written")
