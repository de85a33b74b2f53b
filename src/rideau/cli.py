"""The `rideau` command: Django's management commands with Rideau's settings."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rideau.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    # `rideau check-integrity` → Django command `check_integrity`
    if len(argv) > 1 and "-" in argv[1] and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
