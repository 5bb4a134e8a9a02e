"""Production settings pass Django's deployment checks."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "k2J9-a-real-looking-random-secret-key-with-enough-length-9fQ3xZ",
    "ALLOWED_HOSTS": "advocacy.example.org",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.org:587",
    "DJANGO_SETTINGS_MODULE": "advocacy.settings",
}
# Set by the test process itself (see conftest.py), never in production.
TEST_ONLY = {"DJANGO_ALLOW_ASYNC_UNSAFE"}


def check_deploy(env):
    base = {k: v for k, v in os.environ.items() if k not in TEST_ONLY | set(env)}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**base, **{k: v for k, v in env.items() if v is not None}},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_settings_pass_check_deploy():
    result = check_deploy(PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_flags_the_local_default_key():
    result = check_deploy({**PRODUCTION_ENV, "SECRET_KEY": None})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stdout + result.stderr


def test_check_deploy_flags_console_email():
    result = check_deploy({**PRODUCTION_ENV, "EMAIL_URL": None})
    assert result.returncode != 0
    assert "mail.E001" in result.stdout + result.stderr
