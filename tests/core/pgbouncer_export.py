"""Run by tests/core/test_pgbouncer.py in a child process whose DATABASE_URL points at
pgbouncer: an administrator exports every membership as CSV from the admin changelist.

    python -m tests.core.pgbouncer_export ADMIN_EMAIL RESULT_FILE

Writes {"status", "rows"} or {"error", "message"} as JSON to RESULT_FILE (standard
output carries the portal's log lines).
"""

from __future__ import annotations

import json
import os
import sys


def export(admin_email: str) -> dict:
    from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
    from django.test import Client

    from cdp_portal.accounts.models import User
    from communities.models import Membership

    client = Client()
    client.force_login(User.objects.get(email=admin_email))
    selected = [str(pk) for pk in Membership.objects.values_list("pk", flat=True)]
    try:
        response = client.post(
            "/admin/communities/membership/",
            {"action": "export_csv", ACTION_CHECKBOX_NAME: selected},
        )
    except Exception as error:  # the point of the run: report what the export raised
        return {"error": type(error).__name__, "message": str(error)}
    lines = response.content.decode("utf-8-sig").splitlines()
    return {"status": response.status_code, "rows": len(lines) - 1}


def main() -> None:
    admin_email, result_file = sys.argv[1:3]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cdp_portal.settings")
    import django
    from django.test.utils import setup_test_environment

    django.setup()
    setup_test_environment()  # the test client's host, "testserver", is allowed
    with open(result_file, "w") as out:
        json.dump(export(admin_email), out)


if __name__ == "__main__":
    main()
