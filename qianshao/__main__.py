"""The `qianshao` console script: the project's manage.py.

Sub-command names may be written with hyphens (`import-divisions`); they map to the
Django management commands of the same name with underscores.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qianshao.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    argv[0] = "qianshao"
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
