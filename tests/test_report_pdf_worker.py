"""A report's PDF made by a real Celery worker on the real Redis: the web side
queues it and answers at once, the page that waits for it offers the download
once the worker is done.

Like tests/test_worker.py (whose worker and broker fixtures these are), the
worker runs as a subprocess against the test database, so the data is
committed and PostgreSQL is needed.
"""

import shutil
import subprocess

import pytest
from django.urls import reverse
from kombu import pools

from advocacy import celery_app
from campaigns.models import ReportPdf
from tests import factories as f
from tests.test_worker import broker, free_port, wait_for, workers  # noqa: F401

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def queues_to_redis(broker):  # noqa: F811
    """The web side as in production: tasks go to the broker, not inline."""
    conf = celery_app.conf
    before = {key: conf[key] for key in ("task_always_eager", "broker_url")}

    def fresh_connections():
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    conf.update(task_always_eager=False, broker_url=broker)
    fresh_connections()
    yield
    conf.update(before)
    pools.reset()  # closes the connections to the broker, forgets every pool
    fresh_connections()


def test_the_worker_makes_the_pdf_the_page_waits_for(
    client_for,
    queues_to_redis,
    workers,  # noqa: F811
    tmp_path,
):
    membership = f.MembershipFactory()
    campaign = f.CampaignFactory(team=membership.team, lead=membership.user)
    report = f.ProgressReportFactory(
        campaign=campaign,
        title="Blog pilot: the first month",
        sections={"summary": "Forty colleagues came to the lunch-and-learn."},
    )
    web = client_for(membership.user)
    worker = workers(free_port())  # no mail is sent; the port only has to exist

    pdf_url = reverse("report_pdf", args=[campaign.pk, report.pk])
    status_url = reverse("report_pdf_status", args=[campaign.pk, report.pk])
    first = web.get(pdf_url)
    # Queued, not made in the request (unless the worker was already done).
    if first.status_code == 302:
        assert first["Location"] == status_url
    assert ReportPdf.objects.count() == 1

    def offers_the_download():
        page = web.get(status_url).content.decode()
        assert "could not be made" not in page, page
        return "Download the PDF" in page

    wait_for(offers_the_download, "the page to offer the PDF", worker)
    assert "campaigns.tasks.render_report_pdf" in worker.output()
    pdf = ReportPdf.objects.get()
    assert pdf.status == ReportPdf.Status.READY and pdf.attempts == 1

    download = web.get(pdf_url)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment; filename=")
    assert download.content.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        path = tmp_path / "report.pdf"
        path.write_bytes(download.content)
        text = subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "Blog pilot: the first month" in text
        assert "Forty colleagues came" in text
    # Asked again: served from the database, nothing queued for the worker.
    assert web.get(pdf_url).content == download.content
    assert ReportPdf.objects.count() == 1
