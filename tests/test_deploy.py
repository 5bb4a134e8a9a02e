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


def test_pages_answer_compressed(owner_client, campaign):
    import gzip

    url = f"/campaigns/{campaign.pk}/board/"
    response = owner_client.get(url, headers={"Accept-Encoding": "gzip, br"})
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    page = gzip.decompress(response.content).decode()
    assert "<h1>Board</h1>" in page
    # A client that asks for nothing compressed gets plain HTML.
    plain = owner_client.get(url)
    assert not plain.has_header("Content-Encoding")
    assert "<h1>Board</h1>" in plain.content.decode()


# Run with the production settings: collectstatic into a folder, then the
# stylesheet's hashed address through the app, as a browser would ask for it.
STATIC_CHECK = """
import json, sys, tempfile
import django
from django.conf import settings
from django.test import override_settings
django.setup()
from django.core.management import call_command
from django.templatetags.static import static
from django.test import Client
root = tempfile.mkdtemp()
with override_settings(STATIC_ROOT=root, WHITENOISE_USE_FINDERS=False):
    call_command("collectstatic", "--noinput", verbosity=0)
    url = static("css/app.css")
    client = Client(HTTP_HOST="advocacy.example.org")
    answers = {}
    for encoding in ("br", "gzip", ""):
        r = client.get(url, secure=True, HTTP_ACCEPT_ENCODING=encoding)
        answers[encoding or "plain"] = {
            "status": r.status_code,
            "encoding": r.get("Content-Encoding", ""),
            "cache": r.get("Cache-Control", ""),
        }
print(json.dumps({"url": url, "answers": answers}))
"""


def test_static_files_are_hashed_compressed_and_cached_for_good():
    import json

    base = {k: v for k, v in os.environ.items() if k not in TEST_ONLY}
    result = subprocess.run(
        [sys.executable, "-c", STATIC_CHECK],
        cwd=ROOT,
        env={**base, **PRODUCTION_ENV},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    # The name carries the content's hash, so it may be cached for good.
    assert seen["url"].startswith("/static/css/app.")
    assert seen["url"].endswith(".css") and seen["url"] != "/static/css/app.css"
    answers = seen["answers"]
    assert {a["status"] for a in answers.values()} == {200}
    assert answers["br"]["encoding"] == "br"
    assert answers["gzip"]["encoding"] == "gzip"
    assert answers["plain"]["encoding"] == ""
    for answer in answers.values():
        assert "immutable" in answer["cache"]
        max_age = int(answer["cache"].split("max-age=")[1].split(",")[0])
        assert max_age >= 365 * 24 * 3600
