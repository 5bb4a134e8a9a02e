"""The email settings' time zones: one name per zone, the browser's own zone
chosen on a first visit, and an old alias saved earlier still shown."""

import pytest
from django.urls import reverse

from campaigns.forms.notifications import NotificationPreferenceForm, time_zone_choices
from campaigns.models import NotificationPreference
from tests.conftest import open_page
from tests.factories import UserFactory


def offered(choices):
    return [value for value, _ in choices]


def test_each_zone_is_offered_once_by_its_current_name():
    names = offered(time_zone_choices())
    assert names[0] == "UTC"
    assert {"America/New_York", "Asia/Kolkata", "Europe/Kyiv"} <= set(names)
    # Old aliases of those, and names that are not places.
    for alias in ("US/Eastern", "Asia/Calcutta", "Europe/Kiev", "EST5EDT", "GB"):
        assert alias not in names
    assert len(names) == len(set(names))


def test_a_zone_saved_under_an_old_alias_is_still_shown_and_accepted(db):
    user = UserFactory()
    preference = NotificationPreference.objects.create(
        user=user, time_zone="Asia/Calcutta"
    )
    form = NotificationPreferenceForm(instance=preference)
    assert "Asia/Calcutta" in offered(form.fields["time_zone"].choices)
    assert 'value="Asia/Calcutta" selected' in str(form["time_zone"])


def test_only_settings_never_saved_ask_for_the_browsers_zone(client, db):
    user = UserFactory()
    client.force_login(user)
    url = reverse("notification_preferences")
    assert b"data-browser-zone" in client.get(url).content
    NotificationPreference.objects.create(user=user, time_zone="Europe/Paris")
    assert b"data-browser-zone" not in client.get(url).content


@pytest.mark.browser
def test_a_first_visit_chooses_the_browsers_zone(
    browser, live_server, log_in, transactional_db, screenshot
):
    user = UserFactory()
    page = open_page(browser, live_server, timezone_id="Asia/Tokyo")
    log_in(page, user)
    page.goto("/settings/notifications/")
    zone = page.get_by_label("Time zone")
    assert zone.input_value() == "Asia/Tokyo"
    page.get_by_text("Your browser's time zone is chosen.").wait_for()
    screenshot(page, "settings-browser-zone")
    page.get_by_role("button", name="Save email settings").click()
    page.get_by_text("Email settings saved.").wait_for()
    assert NotificationPreference.objects.get(user=user).time_zone == "Asia/Tokyo"

    # Saved once, the setting is the person's: another browser leaves it be.
    elsewhere = open_page(browser, live_server, timezone_id="America/Lima")
    log_in(elsewhere, user)
    elsewhere.goto("/settings/notifications/")
    assert elsewhere.get_by_label("Time zone").input_value() == "Asia/Tokyo"
    for shown in (page, elsewhere):
        assert not shown.console_errors, shown.console_errors
        shown.context.close()
