"""The portal and django-machina side by side, on the same data, server and load.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cdp_peer \
        .venv/bin/python bench/peer/run.py [--rounds 3] [--duration 20] [--warmup 5]

Needs the peer set up first (`bash ../shared/peer-machina/setup.sh`, which writes
$PEER_ROOT/env.sh and seed.json) and the portal's database loaded by
`bench/peer/load_dataset.py` (which writes the targets file). Starts each app with
gunicorn (2 sync workers, DEBUG off, cached templates, persistent connections) on a free
loopback port, signs a member in on the portal and takes machina's returning-visitor
session cookie, then for each round and each page runs wrk (a warm-up thrown away, then
the measured run) on the portal's page and on machina's, one after the other, the order
swapped every round; the portal's floor (a 404 with the full layout, signed in) once per
round. Prints one table: req/s of each (min-max over the rounds), their ratio, p50, the
SQL statements of one request (Django's test client in-process, CaptureQueriesContext;
machina's from its own measure_queries.py), and each portal page's share of the floor.
Stops the two gunicorns it started, by PID.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shlex
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
PAGES = ("forum_list", "hot_topic", "typical_topic")
LABELS = {
    "forum_list": "forum topic list p1",
    "hot_topic": "hot topic p1",
    "typical_topic": "10-post topic p1",
    "floor": "portal floor (404)",
}
FLOOR_PATH = "/banc-essai/page-absente/"
TX = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--conns", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--peer-root", type=Path, default=Path("/tmp/peer-machina"))
    parser.add_argument(
        "--peer-dir",
        type=Path,
        default=Path(os.environ.get("PEER_MACHINA_DIR", REPO.parent / "shared" / "peer-machina")),
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"),
        help="the portal's cache, as in production (empty: per-process memory, DB sessions)",
    )
    parser.add_argument("--targets", type=Path, default=Path("/tmp/cdp-peer/targets.json"))
    parser.add_argument("--out", type=Path, default=Path("/tmp/cdp-peer"))
    return parser.parse_args()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def portal_environment(static_root: Path, redis_url: str) -> dict[str, str]:
    """Production settings on loopback: DEBUG off (cached templates, manifest static
    files), persistent connections as machina's CONN_MAX_AGE=60, plain HTTP, and Redis as
    README's "Deploying" asks for several processes (the cache the fragments and the
    sessions' front share)."""
    environment = dict(os.environ)
    environment.update(REDIS_URL=redis_url)
    environment.update(
        DJANGO_DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,testserver",
        PORTAL_BASE_URL="http://127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="0",
        DATABASE_POOL="0",
        CONN_MAX_AGE="60",
        STATIC_ROOT=str(static_root),
        LOG_LEVEL="ERROR",  # not one line per 404 of the floor
        PYTHONDONTWRITEBYTECODE="1",
    )
    return environment


def machina_environment(peer_root: Path) -> dict[str, str]:
    """The variables the peer's setup.sh wrote to env.sh, as its bench.sh uses them."""
    environment = dict(os.environ)
    for line in (peer_root / "env.sh").read_text().splitlines():
        if line.startswith("export "):
            for pair in shlex.split(line[len("export ") :]):
                key, _eq, value = pair.partition("=")
                environment[key] = value
    environment.update(BENCH_DEBUG="0", PYTHONDONTWRITEBYTECODE="1")
    environment.pop("DATABASE_URL", None)
    return environment


def start_gunicorn(
    command: list[str], *, cwd: Path, environment: dict[str, str], port: int, log: Path
) -> subprocess.Popen:
    """A gunicorn master, answering on 127.0.0.1:port when this returns."""
    process = subprocess.Popen(
        [*command, "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=cwd,
        env=environment,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited ({process.returncode}), see {log}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5)
            return process
        except urllib.error.HTTPError:
            return process  # it answers, whatever the status
        except OSError:
            time.sleep(0.3)
    stop(process)
    raise SystemExit(f"gunicorn did not answer on port {port}, see {log}")


def stop(process: subprocess.Popen | None) -> None:
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def to_ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def wrk(url: str, cookie: str, args: argparse.Namespace) -> dict[str, float]:
    """A warm-up thrown away, then the measured run: req/s, p50 (ms), non-2xx."""
    base = ["wrk", f"-t{args.threads}", f"-c{args.conns}", "--timeout", "10s"]
    base += ["-H", f"Cookie: {cookie}"]
    subprocess.run([*base, f"-d{args.warmup}s", url], check=True, capture_output=True)
    output = subprocess.run(
        [*base, f"-d{args.duration}s", "--latency", url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": to_ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1)),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
    }


def portal_session_and_queries(targets: dict) -> tuple[str, dict[str, int]]:
    """A signed-in member's session cookie (stored in the database the workers read),
    and each page's SQL statements for that member, in-process with the same settings."""
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from cdp_portal.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(email=targets["member_email"]))
    queries = {}
    for page, path in [*((p, targets[p]) for p in PAGES), ("floor", FLOOR_PATH)]:
        client.get(path)  # per-process caches filled, as in a warm worker
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        expected = 404 if page == "floor" else 200
        if response.status_code != expected:
            raise SystemExit(f"portal {path}: HTTP {response.status_code}")
        sql = [q["sql"] for q in captured.captured_queries]
        queries[page] = sum(not s.lstrip().upper().startswith(TX) for s in sql)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    return f"{settings.SESSION_COOKIE_NAME}={cookie}", queries


def machina_queries(args: argparse.Namespace, environment: dict[str, str]) -> dict[str, int]:
    """Returning-visitor statements per page, from the peer's own measure_queries.py."""
    out = args.out / "machina-queries.json"
    subprocess.run(
        [str(args.peer_root / "venv/bin/python"), str(args.peer_dir / "measure_queries.py"), out],
        cwd=args.peer_root / "site",
        env=environment,
        check=True,
        capture_output=True,
    )
    measured = json.loads(out.read_text())
    return {page: measured[page]["queries_returning"] for page in PAGES}


def check_signed_in(url: str, cookie: str) -> None:
    """The workers see the member signed in with this cookie (the sign-out form shows)."""
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    with urllib.request.urlopen(request, timeout=30) as response:
        if b"/accounts/logout/" not in response.read():
            raise SystemExit(f"not signed in on {url}: check the session cookie")


def machina_cookie(port: int, path: str) -> str:
    """The session cookie machina's first answer sets: its returning visitor."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as response:
        for header in response.headers.get_all("Set-Cookie") or []:
            if header.startswith("sessionid="):
                return header.split(";", 1)[0]
    raise SystemExit("machina set no session cookie")


def collect_static(environment: dict[str, str], log: Path) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=REPO,
        env=environment,
        check=True,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def run_rounds(args: argparse.Namespace, urls: dict, cookies: dict) -> dict[tuple, list]:
    """results[(app, page)] = one wrk result per round, A/B alternating page by page."""
    results: dict[tuple, list] = {}
    for number in range(args.rounds):
        order = ("portal", "machina") if number % 2 == 0 else ("machina", "portal")
        for page in PAGES:
            for app in order:
                result = wrk(urls[app][page], cookies[app], args)
                results.setdefault((app, page), []).append(result)
                print(f"  round {number + 1} {app:<8} {page:<14} {result}", flush=True)
        result = wrk(urls["portal"]["floor"], cookies["portal"], args)
        results.setdefault(("portal", "floor"), []).append(result)
        print(f"  round {number + 1} portal   floor          {result}", flush=True)
    return results


def spread(values: list[float]) -> str:
    return f"{min(values):.1f}-{max(values):.1f}" if len(values) > 1 else f"{values[0]:.1f}"


def table(results: dict, queries: dict, args: argparse.Namespace) -> str:
    """One line per page: req/s of each (min-max), ratio of medians, p50, queries,
    the portal's share of its floor."""
    floor = statistics.median(r["rps"] for r in results[("portal", "floor")])
    header = (
        f"{'page':<22}{'portal req/s':>15}{'machina req/s':>15}{'ratio':>7}"
        f"{'p50 ms (P/M)':>15}{'queries (P/M)':>15}{'of floor':>10}"
    )
    lines = [header, "-" * len(header)]
    for page in (*PAGES, "floor"):
        ours = results[("portal", page)]
        theirs = results.get(("machina", page))
        ours_rps = statistics.median(r["rps"] for r in ours)
        p50 = f"{statistics.median(r['p50'] for r in ours):.0f}"
        row = f"{LABELS[page]:<22}{spread([r['rps'] for r in ours]):>15}"
        if theirs:
            theirs_rps = statistics.median(r["rps"] for r in theirs)
            p50 += f" / {statistics.median(r['p50'] for r in theirs):.0f}"
            row += f"{spread([r['rps'] for r in theirs]):>15}{ours_rps / theirs_rps:>6.2f}x"
            counted = f"{queries['portal'][page]} / {queries['machina'][page]}"
        else:
            row += f"{'—':>15}{'—':>7}"
            counted = str(queries["portal"][page])
        row += f"{p50:>15}{counted:>15}{ours_rps / floor:>9.0%}"
        lines.append(row)
    lines.append(
        f"{args.rounds} round(s); wrk -t{args.threads} -c{args.conns} -d{args.duration}s after "
        f"a {args.warmup} s warm-up; gunicorn {args.workers} sync workers each; ratio = "
        "portal ÷ machina (medians); load average at the end: "
        + " ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    return "\n".join(lines)


def main() -> None:
    args = parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    targets = json.loads(args.targets.read_text())
    peer_targets = json.loads((args.peer_root / "seed.json").read_text())["targets"]
    ours = portal_environment(args.out / "static", args.redis_url)
    theirs = machina_environment(args.peer_root)
    os.environ.update(ours)
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cdp_portal.settings")
    collect_static(ours, args.out / "collectstatic.log")
    cookie, portal_counts = portal_session_and_queries(targets)
    queries = {"portal": portal_counts, "machina": machina_queries(args, theirs)}
    ports = {"portal": free_port(), "machina": free_port()}
    gunicorn = ["--workers", str(args.workers), "--worker-class", "sync"]
    processes: dict[str, subprocess.Popen] = {}
    try:
        processes["portal"] = start_gunicorn(
            [sys.executable, "-m", "gunicorn", "cdp_portal.wsgi:application", *gunicorn],
            cwd=REPO, environment=ours, port=ports["portal"], log=args.out / "portal.log",
        )  # fmt: skip
        processes["machina"] = start_gunicorn(
            [str(args.peer_root / "venv/bin/gunicorn"), "benchsite.wsgi:application", *gunicorn],
            cwd=args.peer_root / "site", environment=theirs, port=ports["machina"],
            log=args.out / "machina.log",
        )  # fmt: skip
        urls = {
            "portal": {p: f"http://127.0.0.1:{ports['portal']}{targets[p]}" for p in PAGES},
            "machina": {
                p: f"http://127.0.0.1:{ports['machina']}{peer_targets[p]['path']}" for p in PAGES
            },
        }
        urls["portal"]["floor"] = f"http://127.0.0.1:{ports['portal']}{FLOOR_PATH}"
        cookies = {
            "portal": cookie,
            "machina": machina_cookie(ports["machina"], peer_targets["forum_list"]["path"]),
        }
        check_signed_in(urls["portal"]["forum_list"], cookie)
        results = run_rounds(args, urls, cookies)
    finally:
        for process in processes.values():
            stop(process)
    print(table(results, queries, args))
    (args.out / "results.json").write_text(
        json.dumps({f"{a}:{p}": r for (a, p), r in results.items()}, indent=2)
    )


if __name__ == "__main__":
    main()
