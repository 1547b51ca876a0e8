"""gunicorn settings for one application node: `gunicorn -c deploy/gunicorn.conf.py
cdp_portal.wsgi` (deploy/systemd/cdp-portal-web.service).

Tuned from the environment (deploy/portal.env.example). This file imports nothing of the
portal: with preload_app off the master never loads Django, so a `kill -HUP` (systemctl
reload) starts workers that import the new code and read the environment again, while
the old ones finish their requests.
"""

import multiprocessing
import os
import shutil
import signal
import tempfile
import threading
import time
from pathlib import Path


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


# nginx (deploy/nginx/cdp-portal.conf) connects here; never expose it directly.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")
# Synchronous workers: each handles one request at a time and holds up to
# DATABASE_POOL_MAX database connections (keep workers x pool under max_connections).
workers = _int("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1)
worker_class = "sync"
# A request taking longer is killed and logged; nginx waits a little longer
# (proxy_read_timeout 35s) so that the client gets gunicorn's answer, not nginx's.
timeout = _int("GUNICORN_TIMEOUT", 30)
# On SIGTERM (systemctl stop/restart) and on HUP, requests in flight get this long to
# finish. TimeoutStopSec in the unit is larger.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Sync workers answer "Connection: close" whatever this says; it matters only for other
# worker classes, and nginx's upstream keepalive_timeout stays below it so that nginx never
# sends a request on a connection the worker is closing (a POST would get a 502).
keepalive = 5
# Each worker is replaced after about this many requests (the jitter keeps them from
# restarting all at once), which bounds any slow memory growth.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)
# Only the proxy may tell gunicorn the request came over HTTPS (X-Forwarded-Proto);
# Django trusts the same header through SECURE_PROXY_SSL_HEADER and counts clients with
# X-Forwarded-For and TRUSTED_PROXY_COUNT. Set the proxies' addresses when nginx is on
# another machine.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# The portal logs its requests itself; gunicorn's access log would print each twice.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Off on purpose: see the module's docstring.
preload_app = False
proc_name = "cdp-portal"
# Workers signal they are alive by touching a file; on tmpfs that never stalls on disk.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"


# Reloads without a gap. On HUP gunicorn starts the new workers and sends TERM to the old
# ones at once; a new worker then spends seconds importing Django (4 to over 14 s on a
# busy 2-core node with 5 workers, more when a second HUP kills the ones still booting)
# while no worker accepts: requests wait in the listen backlog until clients time out,
# and a post written after its client gave up is sent again ("phantom posts"). So a
# worker retired by a reload keeps serving until the whole new generation is ready, or
# GUNICORN_RELOAD_OVERLAP seconds at most (kept under graceful_timeout, after which the
# master stops waiting for old workers), and only then finishes as TERM asks.
# The workers of one master share a small folder: the age (gunicorn's spawn counter) up
# to which workers are retiring, and one file per ready worker. preload_app stays off:
# with it a HUP would fork the old code again.
reload_overlap = min(_int("GUNICORN_RELOAD_OVERLAP", 25), max(graceful_timeout - 5, 0))
_SHARED = Path("/dev/shm" if os.path.isdir("/dev/shm") else tempfile.gettempdir())


def _folder(master_pid: int, *, create: bool = False) -> Path:
    folder = _SHARED / f"cdp-portal-gunicorn-{master_pid}"
    if create:  # /dev/shm may have been emptied since the master started
        folder.mkdir(exist_ok=True)
    return folder


def _retiring_age(master_pid: int) -> int:
    try:
        return int((_folder(master_pid) / "retiring").read_text())
    except (OSError, ValueError):
        return 0


def _new_generation_ready(worker) -> bool:
    retiring = _retiring_age(worker.ppid)
    ready = [path for path in _folder(worker.ppid).glob("ready-*") if path.name[6:].isdigit()]
    return sum(int(path.name[6:]) > retiring for path in ready) >= worker.cfg.workers


def _stop_once_replaced(worker) -> None:
    deadline = time.monotonic() + reload_overlap
    while time.monotonic() < deadline and not _new_generation_ready(worker):
        time.sleep(0.1)
    worker.alive = False
    os.write(worker.PIPE[1], b".")  # wakes the worker's select() at once


def _on_term(worker, signum: int, frame) -> None:
    if worker.age > _retiring_age(worker.ppid):  # a stop, not a reload: as gunicorn does
        worker.handle_exit(signum, frame)
    elif not getattr(worker, "retiring", False):  # the master repeats TERM each second
        worker.retiring = True
        threading.Thread(target=_stop_once_replaced, args=(worker,), daemon=True).start()


def when_ready(server) -> None:
    _folder(server.pid, create=True)


def on_reload(server) -> None:
    # Called before the new workers are spawned: every worker up to this age retires.
    (_folder(server.pid, create=True) / "retiring").write_text(str(server.worker_age))


def post_worker_init(worker) -> None:
    (_folder(worker.ppid, create=True) / f"ready-{worker.age}").touch()
    signal.signal(signal.SIGTERM, lambda signum, frame: _on_term(worker, signum, frame))
    signal.siginterrupt(signal.SIGTERM, False)  # a request in flight is not interrupted


def child_exit(server, worker) -> None:
    (_folder(server.pid) / f"ready-{worker.age}").unlink(missing_ok=True)


def on_exit(server) -> None:
    shutil.rmtree(_folder(server.pid), ignore_errors=True)
