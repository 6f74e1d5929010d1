from django.core.management.base import BaseCommand, CommandError

from qianshao.audit.chain import verify


class Command(BaseCommand):
    help = "Audit chain tools. `audit verify` checks every record and names the first broken one."

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["verify"])

    def handle(self, *args, what, **options):
        verdict = verify()
        if not verdict.ok:
            raise CommandError(
                f"audit chain BROKEN at record #{verdict.broken_seq}: {verdict.reason} "
                f"({verdict.checked} records before it are intact)"
            )
        self.stdout.write(f"audit chain intact: {verdict.checked} records")
