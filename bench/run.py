#!/usr/bin/env python3
"""`make bench`: the app under gunicorn with production settings on
PostgreSQL, driven on loopback with wrk, plus the weekly digests for 10,000
people, and last the growth section (bench/growth.py: pages and digests at
three sizes each, in-process). Prints the tables and writes bench/results.json.

Every page is compared with the floor, a view that does nothing behind the
same server and middleware (bench/urls.py), so the targets are ratios that
hold on any machine. Environment: DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/bench, created if missing), BENCH_SECONDS
(per wrk run, default 10), BENCH_WORKERS (gunicorn workers, default 2 per CPU
plus one).
"""

import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PY = sys.executable
DATABASE_URL = os.environ.get(
    "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench"
)
# Sessions, the logged-in user and boards are cached in Redis, as on several
# machines: a database of its own (and the next one for the cache), emptied
# before each run. Without a Redis answering there, the run goes without.
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")
REDIS_CACHE_URL = os.environ.get("BENCH_REDIS_CACHE_URL", "redis://127.0.0.1:6379/9")
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CONCURRENCY = 16
USERS = 10_000
TACTICS = 500
USER_EMAIL = "user1@scale.example"
USER_PASSWORD = "scale-campaign-2026"  # bench/bulk.py's PASSWORD

TARGETS = {
    # key: (description, test)
    "floor_user_ratio": (
        "logged-in floor ≥ 60% of floor",
        lambda r: r["floor_user_ratio"] >= 0.60,
    ),
    "board_ratio": ("board ≥ 5% of floor", lambda r: r["board_ratio"] >= 0.05),
    "board_queries": ("board ≤ 6 queries", lambda r: r["board_queries"] <= 6),
    "move_ratio": ("move ≥ 10% of floor", lambda r: r["move_ratio"] >= 0.10),
    "move_p99_ms": ("move p99 < 100 ms", lambda r: r["move_p99_ms"] < 100),
    "move_errors": ("move: no errors", lambda r: r["move_errors"] == 0),
    "move_queries": ("move ≤ 6 queries", lambda r: r["move_queries"] <= 6),
    "digest_s": ("digests < 10 s", lambda r: r["digest_s"] < 10),
    "digest_queries_per_user": (
        "digests < 0.02 queries/user",
        lambda r: r["digest_queries_per_user"] < 0.02,
    ),
    "digest_peak_mb": ("digests < 150 MB", lambda r: r["digest_peak_mb"] < 150),
}


# The growth section (bench/growth.py): each row at three sizes; the checks
# are ratios between sizes, apart from the 5,000-card board's second.
GROWTH_ROWS = [
    # (key, label, what the size counts)
    ("board", "board", "cards"),
    ("digest", "digests", "people"),
    ("overview", "campaign overview", "activities"),
    ("audit", "team audit log", "activities"),
    ("list", "campaign list", "campaigns"),
]


def _growth_ratio(rows, field, a=0, b=-1):
    return rows[b][field] / rows[a][field]


GROWTH_CHECKS = {
    # key: (description, value, format, test); None as the test: no target.
    "board_largest_s": (
        "board of {board[2]} cards < 1 s",
        lambda g: g["board"][-1]["total_ms"] / 1000,
        "{:.2f} s",
        lambda v: v < 1,
    ),
    "board_per_card": (
        "board per card, {board[2]} vs {board[1]} cards ≤ 2×",
        lambda g: _growth_ratio(g["board"], "per_item_us", 1),
        "{:.2f}×",
        lambda v: v <= 2,
    ),
    "digest_per_person": (
        "digests per person, {digest[2]} vs {digest[0]} people ≤ 1.5× (flat)",
        lambda g: _growth_ratio(g["digest"], "per_item_us"),
        "{:.2f}×",
        lambda v: v <= 1.5,
    ),
    "digest_peak_mb": (
        "digests peak memory, {digest[2]} vs {digest[0]} people ≤ 1.5× (flat)",
        lambda g: _growth_ratio(g["digest"], "peak_mb"),
        "{:.2f}×",
        lambda v: v <= 1.5,
    ),
    "overview": (
        "campaign overview, {overview[2]} vs {overview[0]} activities ≤ 2×",
        lambda g: _growth_ratio(g["overview"], "total_ms"),
        "{:.2f}×",
        lambda v: v <= 2,
    ),
    "audit": (
        "team audit log, {audit[2]} vs {audit[0]} activities ≤ 2×",
        lambda g: _growth_ratio(g["audit"], "total_ms"),
        "{:.2f}×",
        lambda v: v <= 2,
    ),
    "list_per_campaign": (
        "campaign list per campaign, {list[2]} vs {list[1]} campaigns (no target)",
        lambda g: _growth_ratio(g["list"], "per_item_us", 1),
        "{:.2f}×",
        None,
    ),
}


def say(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def environment(port):
    redis = redis_answers()
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DEBUG="false",
        SECRET_KEY="bench-" + "k" * 60,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        DATABASE_URL=DATABASE_URL,
        REDIS_URL=REDIS_URL if redis else "",
        REDIS_CACHE_URL=REDIS_CACHE_URL if redis else "",
        EMAIL_URL="consolemail://",
        LOG_LEVEL="WARNING",
        SITE_URL=f"http://127.0.0.1:{port}",
        PYTHONPATH=str(ROOT),
    )
    return env


def redis_answers():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        return client.ping()
    except redis.RedisError:
        return False
    finally:
        client.close()


def empty_redis():
    import redis

    for url in (REDIS_URL, REDIS_CACHE_URL):
        client = redis.Redis.from_url(url)
        try:
            client.flushdb()
        finally:
            client.close()


def ensure_wrk():
    if shutil.which("wrk"):
        return
    say("wrk is missing: installing the Debian package")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run([*sudo, "apt-get", "install", "-y", "wrk"], check=True)


def ensure_database():
    import psycopg

    url = urllib.parse.urlparse(DATABASE_URL)
    name = url.path.lstrip("/")
    admin = (
        url._replace(path="/postgres")
        .geturl()
        .replace("postgres://", "postgresql://", 1)
    )
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            say(f"creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')


def manage(env, *args):
    subprocess.run(
        [PY, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def seed_bulk(env, *args):
    """Tops up the scale data (bench/bulk.py) to the counts in `args`."""
    subprocess.run(
        [PY, "-m", "bench.bulk", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def measure(env, step, **extra):
    out = subprocess.run(
        [PY, str(BENCH / "measure.py"), step],
        cwd=ROOT,
        env={**env, **extra},
        capture_output=True,
        text=True,
    )
    if out.returncode:
        sys.stderr.write(out.stderr)
        raise SystemExit(f"bench/measure.py {step} failed")
    return json.loads(out.stdout.strip().splitlines()[-1])


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env, port, workers):
    server = subprocess.Popen(
        [
            str(Path(PY).parent / "gunicorn"),
            "advocacy.wsgi",
            "-c",
            "python:advocacy.gunicorn_conf",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--backlog",
            "2048",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz", headers={"Host": "127.0.0.1"})
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    stop(server)
    raise SystemExit("gunicorn did not come up")


def stop(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def login(port):
    """Logs in through the login form, as a person would; returns the cookies."""
    cookies = {}

    def request(method, path, body=None):
        conn = HTTPConnection("127.0.0.1", port, timeout=10)
        headers = {"Host": "127.0.0.1"}
        if cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{port}{path}"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                cookies[key] = rest.split(";", 1)[0]
        return response.status, response.read().decode()

    status, page = request("GET", "/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token,
            "username": USER_EMAIL,
            "password": USER_PASSWORD,
        }
    )
    status, _ = request("POST", "/accounts/login/", body)
    if status != 302 or "sessionid" not in cookies:
        raise SystemExit(f"login failed ({status})")
    return cookies


def wrk(port, path, cookies, moves=None, htmx=False):
    env = dict(os.environ)
    env["BENCH_HTMX"] = "1" if htmx else ""
    env["BENCH_COOKIE"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    env["BENCH_CSRF"] = cookies.get("csrftoken", "")
    env["BENCH_MOVES"] = ";".join(" ".join(card) for card in moves or [])
    out = subprocess.run(
        [
            "wrk",
            "--threads",
            "2",
            "--connections",
            str(CONCURRENCY),
            "--duration",
            f"{SECONDS}s",
            "--timeout",
            "5s",
            "--script",
            str(BENCH / "wrk.lua"),
            f"http://127.0.0.1:{port}{path}",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(x for x in out.stdout.splitlines() if x.startswith("BENCH_JSON "))
    data = json.loads(line.removeprefix("BENCH_JSON "))
    seconds = data["duration_us"] / 1e6
    return {
        "rps": round(data["requests"] / seconds, 1),
        "p50_ms": round(data["p50_us"] / 1000, 1),
        "p99_ms": round(data["p99_us"] / 1000, 1),
        "errors": data["status_errors"] + data["socket_errors"],
        "requests": data["requests"],
        # HTMX moves only: answers from a current board (the column heads)
        # and from a stale one (fetch the board again).
        "current": data["current"],
        "stale": data["stale"],
    }


def machine(postgres):
    model = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "postgres": postgres,
        "os": platform.platform(),
    }


ROWS = [
    # (result prefix, label)
    ("floor", "floor: trivial view, anonymous"),
    ("floor_user", "floor: trivial view, logged in"),
    ("board", "board of 500 cards"),
    ("move", "card move, HTMX (as the board posts it)"),
    ("move_plain", "card move, plain post (redirect)"),
    ("list", "campaign list"),
    ("overview", "campaign overview"),
]


def table(results):
    rows = []
    for key, label in ROWS:
        ratio = results.get(f"{key}_ratio") if key != "floor" else None
        rows.append(
            (
                label,
                results[f"{key}_rps"],
                results[f"{key}_p50_ms"],
                results[f"{key}_p99_ms"],
                results.get(f"{key}_queries", 0),
                results.get(f"{key}_queries_total", 0),
                results[f"{key}_errors"],
                f"{ratio:.1%}" if ratio is not None else "—",
            )
        )
    lines = [
        "| request | req/s | p50 ms | p99 ms | queries | with auth | errors "
        "| of floor |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    lines += [
        "",
        f"Digests: {results['digest_users']} people ({results['digest_emails']} "
        f"emails rendered) in {results['digest_s']} s on "
        f"{results['digest_processes']} processes "
        f"({results['digest_serial_s']} s in one), "
        f"{results['digest_queries']} queries "
        f"({results['digest_queries_per_user']} per person), "
        f"peak {results['digest_peak_mb']} MB resident per process "
        f"({results['digest_traced_peak_mb']} MB allocated by Python).",
        "",
        f"HTMX moves: {results['move_current']} answered from a current board "
        f"(the two column heads), {results['move_stale']} from a board another "
        "connection had changed first (the browser fetches the board again).",
        "",
        "| target | result |",
        "| --- | --- |",
    ]
    for key, (label, _) in TARGETS.items():
        lines.append(
            f"| {label} | {'holds' if results['targets'][key] else 'MISSED'} |"
        )
    if "growth" in results:
        lines += ["", *growth_table(results["growth"])]
    m = results["machine"]
    lines += [
        "",
        f"Machine: {m['cpu_count']} × {m['cpu_model']}, Python {m['python']}, "
        f"PostgreSQL {m['postgres']}; gunicorn {results['workers']} sync workers, "
        f"wrk {CONCURRENCY} connections × {SECONDS} s per row; "
        f"sessions and users cached: {results['cache']}.",
    ]
    return "\n".join(lines)


def growth_table(growth):
    rows = growth["rows"]
    lines = [
        "| growth | size | total ms | per item µs | queries | peak MB |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for key, label, unit in GROWTH_ROWS:
        for row in rows[key]:
            lines.append(
                f"| {label} | {row['size']:,} {unit} | {row['total_ms']} "
                f"| {row['per_item_us']} | {row['queries']} "
                f"| {row.get('peak_mb', '—')} |"
            )
    sizes = {key: [f"{r['size']:,}" for r in rows[key]] for key, _, _ in GROWTH_ROWS}
    lines += ["", "| growth check | measured | result |", "| --- | ---: | --- |"]
    for key, (label, _, fmt, test) in GROWTH_CHECKS.items():
        value = growth["values"][key]
        result = "—" if test is None else "holds" if growth["checks"][key] else "MISSED"
        lines.append(f"| {label.format(**sizes)} | {fmt.format(value)} | {result} |")
    return lines


def run_growth(env):
    """Seeds the growth teams (once; bench/growth.py), then times the pages
    in one process and the digests in a fresh process per size."""
    seeded = measure(env, "growth_seed")
    say("growth: board, overview, audit log and campaign list at three sizes")
    rows = measure(env, "growth_pages")
    rows["digest"] = []
    for size in seeded["digest_sizes"]:
        say(f"growth: digests of {size:,} people")
        rows["digest"].append(
            measure(env, "growth_digest", BENCH_GROWTH_PEOPLE=str(size))
        )
    values = {
        key: round(value(rows), 3) for key, (_, value, _, _) in GROWTH_CHECKS.items()
    }
    checks = {
        key: bool(test(values[key]))
        for key, (_, _, _, test) in GROWTH_CHECKS.items()
        if test is not None
    }
    return {
        "rows": rows,
        "values": values,
        "checks": checks,
        "seed_s": seeded["growth_seed_s"],
    }


def update_readme(text):
    """Puts the latest table between bench/README.md's markers."""
    readme = ROOT / "bench" / "README.md"
    start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    content = readme.read_text()
    if start in content and end in content:
        before, rest = content.split(start, 1)
        _, after = rest.split(end, 1)
        readme.write_text(f"{before}{start}\n{text}\n{end}{after}")


def main():
    started = time.monotonic()
    ensure_wrk()
    ensure_database()
    port = free_port()
    env = environment(port)
    if env["REDIS_URL"]:
        empty_redis()
        say(f"sessions, users and boards cached in Redis ({REDIS_URL})")
    else:
        say(f"no Redis at {REDIS_URL}: sessions and users come from PostgreSQL")
    say("migrating and seeding (10,000 people, a campaign with 500 tactics)")
    manage(env, "migrate", "--no-input")
    manage(env, "collectstatic", "--no-input")
    seed_bulk(
        env,
        "--teams",
        "100",
        "--users",
        str(USERS),
        "--campaigns",
        "200",
        "--tactics",
        "20",
    )
    # One more campaign, in the first scale team, with the big board.
    seed_bulk(env, "--teams", "100", "--campaigns", "201", "--tactics", str(TACTICS))
    data = measure(env, "prepare")
    say(f"board campaign {data['campaign']} has {data['tactics']} tactics")
    queries = measure(env, "queries")

    workers = int(os.environ.get("BENCH_WORKERS", 2 * (os.cpu_count() or 1) + 1))
    server = start_server(env, port, workers)
    results = {}
    try:
        cookies = login(port)
        campaign = data["campaign"]
        runs = [
            ("floor", "/bench/floor/", None, False),
            ("floor_user", "/bench/floor/user/", None, False),
            ("board", f"/campaigns/{campaign}/board/", None, False),
            ("move", "/", data["cards"], True),
            ("move_plain", "/", data["cards"], False),
            ("list", "/campaigns/", None, False),
            ("overview", f"/campaigns/{campaign}/", None, False),
        ]
        for name, path, moves, htmx in runs:
            say(f"wrk {name}: {path if not moves else 'card moves'}")
            run = wrk(port, path, cookies, moves, htmx)
            for key, value in run.items():
                results[f"{name}_{key}"] = value
    finally:
        stop(server)

    say("building the weekly digests of 10,000 people")
    # As production runs them: chunks on a worker's pool, one process per CPU.
    cpus = os.cpu_count() or 1
    results.update(measure(env, "digest", BENCH_DIGEST_PROCESSES=str(cpus)))
    serial = measure(env, "digest", BENCH_DIGEST_PROCESSES="1")
    results["digest_serial_s"] = serial["digest_s"]
    traced = measure(env, "digest", BENCH_DIGEST_PROCESSES="1", BENCH_TRACE="1")
    results["digest_traced_peak_mb"] = traced["digest_traced_peak_mb"]

    # Last, so its data and load touch none of the measurements above.
    say("growth: seeding its own teams (once) and this week's digest history")
    results["growth"] = run_growth(env)

    floor = results["floor_rps"]
    results["floor_user_ratio"] = round(results["floor_user_rps"] / floor, 4)
    results["cache"] = "in Redis" if env["REDIS_URL"] else "no (no Redis)"
    for name in ("board", "move", "move_plain", "list", "overview"):
        results[f"{name}_ratio"] = round(results[f"{name}_rps"] / floor, 4)
        results[f"{name}_ratio_logged_in"] = round(
            results[f"{name}_rps"] / results["floor_user_rps"], 4
        )
    results.update(
        {k: v for k, v in queries.items() if not k.endswith("_sql")},
        board_tactics=data["tactics"],
        workers=workers,
        seconds_per_run=SECONDS,
        concurrency=CONCURRENCY,
        machine=machine(data["postgres"]),
        run_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    )
    results["targets"] = {
        key: bool(test(results)) for key, (_, test) in TARGETS.items()
    }
    results["wall_s"] = round(time.monotonic() - started, 1)
    (BENCH / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    print()
    print(table(results))
    update_readme(table(results))
    print(f"\nWhole run: {results['wall_s']} s. Written to bench/results.json.")


if __name__ == "__main__":
    main()
