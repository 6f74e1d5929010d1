"""`qianshao audit verify [--anchor SEQ:HASH …]` and `qianshao audit anchor`."""

from django.core.management.base import BaseCommand, CommandError

from qianshao.audit import anchor
from qianshao.audit.chain import verify


class Command(BaseCommand):
    help = (
        "Audit chain tools. `audit verify` checks every record and names the first broken "
        "one; with --anchor SEQ:HASH (or HASH) it also checks that the chain still holds that "
        "earlier head. `audit anchor` prints the current head's anchor."
    )

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["verify", "anchor"])
        parser.add_argument(
            "--anchor",
            dest="anchors",
            action="append",
            default=[],
            metavar="SEQ:HASH",
            help="an anchor from the log or a webhook; may be given more than once",
        )

    def handle(self, *args, what, anchors, **options):
        if what == "anchor":
            self.stdout.write(f"audit anchor {anchor.current()}")
            return
        try:
            anchors = [anchor.Anchor.parse(text) for text in anchors]
        except ValueError as exc:
            raise CommandError(f"--anchor: {exc}") from exc
        verdict = verify()
        if not verdict.ok:
            raise CommandError(
                f"audit chain BROKEN at record #{verdict.broken_seq}: {verdict.reason} "
                f"({verdict.checked} records before it are intact)"
            )
        problems = [p for p in map(anchor.problem, anchors) if p]
        if problems:
            raise CommandError("audit chain does not hold its anchor: " + "; ".join(problems))
        unkeyed = f", the first {verdict.unkeyed} unkeyed" if verdict.unkeyed else ""
        held = f", holding {len(anchors)} anchors" if anchors else ""
        self.stdout.write(f"audit chain intact: {verdict.checked} records{unkeyed}{held}")
