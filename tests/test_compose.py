"""docker-compose.yml scales out: `docker compose up --scale web=3 --scale
worker=2` runs migrations once, balances over every web replica through the
proxy, and keeps beat single. No Docker engine runs here, so the file is read
as data and the proxy's Caddyfile is checked by a real Caddy (`caddy adapt`).
"""

import json
import re
import shutil
import subprocess
from pathlib import Path

import yaml

from tests.conftest import require_service

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
APP_SERVICES = ["migrate", "web", "worker", "beat"]
# What tests/test_drills.py starts as real processes (start_gunicorn and the
# stack drill), so the drills exercise the commands the stack runs.
GUNICORN = ["gunicorn", "advocacy.wsgi", "-c", "python:advocacy.gunicorn_conf"]
CELERY_WORKER = ["celery", "-A", "advocacy", "worker", "--loglevel", "INFO"]


def caddyfile():
    return SERVICES["proxy"]["environment"]["CADDYFILE"]


def test_web_and_worker_can_be_scaled():
    for name in ("web", "worker"):
        service = SERVICES[name]
        assert "ports" not in service, f"{name} publishes a port"
        assert "container_name" not in service, f"{name} has a fixed name"
    assert "container_name" not in SERVICES["proxy"]


def test_only_the_proxy_publishes_the_app():
    published = {
        name: service["ports"]
        for name, service in SERVICES.items()
        if "ports" in service
    }
    assert published == {"proxy": ["8000:8000"], "mailcatcher": ["8025:8025"]}
    assert SERVICES["proxy"]["image"].startswith("caddy:")


def test_beat_is_a_single_service():
    beats = [
        name
        for name, service in SERVICES.items()
        if service.get("command", [])[:4] == ["celery", "-A", "advocacy", "beat"]
    ]
    assert beats == ["beat"]
    beat = SERVICES["beat"]
    assert "scale" not in beat
    assert beat.get("deploy", {}).get("replicas", 1) == 1


def test_migrations_run_once_before_the_app():
    migrate = SERVICES["migrate"]
    assert migrate["command"] == ["python", "manage.py", "migrate", "--no-input"]
    assert migrate["restart"] == "no"
    assert "migrate" not in migrate["depends_on"]
    assert migrate["depends_on"]["postgres"] == {"condition": "service_healthy"}
    for name in ("web", "worker", "beat"):
        service = SERVICES[name]
        assert service["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }, name
        assert "migrate" not in service["command"], f"{name} migrates by itself"


def test_app_services_trust_one_proxy():
    for name in APP_SERVICES:
        assert SERVICES[name]["environment"]["TRUSTED_PROXY_HOPS"] == "1", name
    assert "localhost" in SERVICES["web"]["environment"]["ALLOWED_HOSTS"].split(",")


def test_web_runs_gunicorn_as_the_drills_do():
    web = SERVICES["web"]
    assert web["command"] == [*GUNICORN, "--bind", "0.0.0.0:8000", "--workers", "3"]
    assert "/healthz" in " ".join(web["healthcheck"]["test"])
    dockerfile = (ROOT / "Dockerfile").read_text()
    cmd = re.search(r"^CMD (\[.*\])$", dockerfile, re.MULTILINE)
    assert json.loads(cmd.group(1)) == web["command"]
    makefile = (ROOT / "Makefile").read_text()
    assert "/gunicorn " + " ".join(GUNICORN[1:]) + " --bind" in makefile


def test_worker_runs_celery_as_the_drills_do():
    assert SERVICES["worker"]["command"] == CELERY_WORKER
    makefile = (ROOT / "Makefile").read_text()
    assert "/celery " + " ".join(CELERY_WORKER[1:]) + "\n" in makefile


def test_proxy_balances_over_every_replica_and_checks_through_healthz():
    proxy = SERVICES["proxy"]
    text = caddyfile()
    assert re.search(r"^\s*dynamic a web 8000 \{$", text, re.MULTILINE)
    # X-Forwarded-For and X-Forwarded-Proto are Caddy's defaults: nothing
    # may remove or replace them.
    assert "header_up" not in text
    assert "trusted_proxies" not in text
    assert "/healthz" in " ".join(proxy["healthcheck"]["test"])
    # The command only writes the Caddyfile out, with `$$` for compose.
    command = proxy["command"]
    assert command[:2] == ["sh", "-c"]
    assert "$" not in command[2].replace("$$CADDYFILE", "")
    assert command[2].endswith(
        "exec caddy run --config /etc/caddy/Caddyfile --adapter caddyfile"
    )


def test_caddy_adapts_the_caddyfile(tmp_path):
    require_service("caddy", shutil.which("caddy"), "apt-get install caddy")
    path = tmp_path / "Caddyfile"
    path.write_text(caddyfile())
    result = subprocess.run(
        ["caddy", "adapt", "--config", str(path), "--adapter", "caddyfile"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    # Caddy warns at every start about a Caddyfile not in `caddy fmt`'s form.
    assert "not formatted" not in result.stderr
    server = json.loads(result.stdout)["apps"]["http"]["servers"]["srv0"]
    assert server["listen"] == [":8000"]
    (proxy,) = [
        handler
        for route in server["routes"]
        for handler in route["handle"]
        if handler["handler"] == "reverse_proxy"
    ]
    assert proxy["dynamic_upstreams"] == {
        "source": "a",
        "name": "web",
        "port": "8000",
        "refresh": 5_000_000_000,
    }
    assert proxy["health_checks"]["passive"]["fail_duration"] == 10_000_000_000
    assert proxy["load_balancing"]["try_duration"] == 5_000_000_000
