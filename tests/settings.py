"""Test settings: the real settings, minus HTTPS-only cookies and redirects
(the test client and live server speak plain HTTP) and with a fast hasher."""

from advocacy.settings import *  # noqa: F403

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests catch mail in memory, except a real worker started by a test, which
# is pointed at a loopback SMTP server through EMAIL_URL.
if not env.bool("TESTS_USE_EMAIL_URL", default=False):  # noqa: F405
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
# Quick retries, so a test can watch a send fail and then succeed.
EMAIL_RETRY_BACKOFF_SECONDS = env.int("EMAIL_RETRY_BACKOFF_SECONDS", default=1)  # noqa: F405
# The tests serve feeds from loopback; everything else private stays refused.
FETCH_ALLOWED_NETWORKS = ["127.0.0.0/8"]
FETCH_TIMEOUT_SECONDS = 2
# Webhook retries a test can watch: 1, 2, 4... seconds.
WEBHOOK_RETRY_BACKOFF_SECONDS = env.int("WEBHOOK_RETRY_BACKOFF_SECONDS", default=1)  # noqa: F405
