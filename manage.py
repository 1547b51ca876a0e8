#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cdp_portal.settings")
    from django.conf import settings

    from cdp_portal.core.config import EXIT_CONFIG, ConfigurationError

    try:
        # Read the settings here: inside execute_from_command_line a bad environment
        # would end in a traceback (or "Unknown command") instead of the list of problems.
        settings.INSTALLED_APPS  # noqa: B018
    except ConfigurationError as error:
        print(error, file=sys.stderr)
        sys.exit(EXIT_CONFIG)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
