"""Several `db_worker`s share the task queue: each task runs once, whichever worker
claims it (django_tasks_db claims with SELECT … FOR UPDATE SKIP LOCKED)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.mail import EmailMessage
from django.db import connection
from django_tasks_db.models import DBTaskResult

from cdp_portal.outbox.models import OutgoingEmail
from cdp_portal.outbox.services import queue_messages
from tests.deploy.servers import database_url

ROOT = Path(__file__).resolve().parents[2]
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
MESSAGES = 40
WORKER_COMMAND = (
    *(sys.executable, "manage.py", "db_worker"),
    *("--batch", "--interval", "0", "--worker-id"),
)


def _start_worker(mail_dir: Path, name: str) -> subprocess.Popen:
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(connection.settings_dict),
        "PORTAL_TASKS_BACKEND": "database",
        "EMAIL_FILE_PATH": str(mail_dir),
        "LOG_LEVEL": "WARNING",
    }
    environment.pop("EMAIL_URL", None)
    environment.pop("EMAIL_HOST", None)
    return subprocess.Popen(
        [*WORKER_COMMAND, name],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.django_db(transaction=True)
def test_two_workers_share_the_queue_and_send_each_message_once(settings, tmp_path):
    settings.TASKS = DATABASE_TASKS
    for n in range(MESSAGES):
        queue_messages([EmailMessage("Sujet", "Corps", "cdp@example.org", [f"p{n}@example.org"])])
    assert DBTaskResult.objects.ready().count() == MESSAGES

    workers = [_start_worker(tmp_path, name) for name in ("worker-a", "worker-b")]
    outputs = [worker.communicate(timeout=180)[0] for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0], outputs

    recipients = sorted(
        line.removeprefix("To: ")
        for path in tmp_path.iterdir()
        for line in path.read_text().splitlines()
        if line.startswith("To: ")
    )
    assert recipients == sorted(f"p{n}@example.org" for n in range(MESSAGES))
    assert set(OutgoingEmail.objects.values_list("status", flat=True)) == {"sent"}
    # Each task was claimed once, by one of the two workers.
    claims = list(DBTaskResult.objects.values_list("worker_ids", flat=True))
    assert len(claims) == MESSAGES
    assert all(len(ids) == 1 and ids[0] in ("worker-a", "worker-b") for ids in claims)
