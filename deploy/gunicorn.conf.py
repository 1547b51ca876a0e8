"""gunicorn settings for one application node: `gunicorn -c deploy/gunicorn.conf.py
cdp_portal.wsgi` (deploy/systemd/cdp-portal-web.service).

Tuned from the environment (deploy/portal.env.example). This file imports nothing of the
portal: with preload_app off the master never loads Django, so a `kill -HUP` (systemctl
reload) starts workers that import the new code and read the environment again, while
the old ones finish their requests.
"""

import multiprocessing
import os


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
# nginx keeps idle upstream connections open (keepalive in the upstream block).
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
