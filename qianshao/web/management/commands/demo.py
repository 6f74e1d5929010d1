from django.core.management.base import BaseCommand, CommandError

from qianshao import demo


class Command(BaseCommand):
    help = (
        "Create the demo county 凌云县 (451027): grid, people, logins, two months of hazards, "
        "warnings with their 叫应 history."
    )

    def handle(self, *args, **options):
        try:
            built = demo.build()
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"demo county created: {built['cells']} cells, {built['people']} people, "
            f"{built['hazards']} hazards, {built['warnings']} warnings, "
            f"{built['zero_reports']} zero reports; resources: {built['resources']}; "
            f"risks: {built['risks']}, {_patrols(built['patrols'])}"
        )
        for username, what in demo.logins():
            self.stdout.write(f"  {username:<11} / {demo.PASSWORD}   {what}")


def _patrols(made: dict) -> str:
    done = made.get("on_time", 0) + made.get("late", 0)
    return (
        f"{done} patrols ({made.get('late', 0)} late), {made.get('missed', 0)} missed, "
        f"{made.get('hazards', 0)} hazards found on patrol"
    )
