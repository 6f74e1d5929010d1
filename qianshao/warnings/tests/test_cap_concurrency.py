"""The same CAP message arriving twice at once — two workers polling, or a poll and an
upload — from two threads with their own connections: one warning, issued once, each
recipient told once. Runs on whichever database the suite runs on."""

from importlib import import_module

import pytest
from django.test import override_settings

from qianshao.hazards.tests.test_actions_concurrency import at_once
from qianshao.notify.models import Message
from qianshao.warnings import importer
from qianshao.warnings.models import Delivery, Feed, Status, Warning
from qianshao.warnings.tests.access_rules_cap import alert_xml

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def seeded(transactional_db):
    """A transactional test ends by flushing the database, seeds included: put them back."""
    from django.apps import apps

    import_module("qianshao.grid.migrations.0002_domains").seed(apps, None)
    import_module("qianshao.warnings.migrations.0002_defaults").seed(apps, None)


@override_settings(SMS_GATEWAY_URL="http://127.0.0.1:9/sms")
def test_the_same_message_imported_twice_at_once_is_issued_and_sent_once(cast):
    feed = Feed.objects.create(name="上游", url="http://127.0.0.1:9/")
    document = alert_xml(geocodes=["450901100000"])
    outcomes = at_once(
        lambda: importer.import_alert(document, feed=feed),
        lambda: importer.import_alert(document, feed=feed),
        lambda: importer.import_alert(document, actor=cast.users["county"]),
    )
    assert all(isinstance(o, Warning) for o in outcomes), outcomes
    w = Warning.objects.get()
    assert {o.pk for o in outcomes} == {w.pk}
    assert sorted(o.imported for o in outcomes).count(True) == 1
    deliveries = Delivery.objects.filter(warning=w).count()
    if w.status == Status.DRAFT:  # the upload was first: nothing is sent
        assert (deliveries, Message.objects.count()) == (0, 0)
        return
    assert deliveries == w.recipients > 0
    sms = Message.objects.filter(event="warnings.issue", channel="sms")
    assert sms.count() == deliveries
    assert sms.values("address").distinct().count() == deliveries
