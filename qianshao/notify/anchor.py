"""Sending the audit chain's anchor out of the database: the head's ``SEQ:HASH`` written
to the log and queued to every webhook that takes ``audit.anchor`` (docs/adr/0017)."""

from django.db import transaction
from django.utils.translation import gettext as _

from qianshao.audit.anchor import Anchor, current
from qianshao.audit.chain import log
from qianshao.notify.outbox import enqueue

EVENT = "audit.anchor"


def publish() -> Anchor:
    """Log the head's anchor and queue it to every webhook that takes ``audit.anchor``
    (one message per head: a head that has not moved is not sent again)."""
    anchor = current()
    log.info("audit anchor %s", anchor)
    with transaction.atomic():
        enqueue(
            EVENT,
            subject=_("审计链锚点 #%(seq)s") % {"seq": anchor.seq},
            body=str(anchor),
            payload={"seq": anchor.seq, "hash": anchor.hash},
            dedupe_key=f"{EVENT}:{anchor.seq}",
        )
    return anchor
