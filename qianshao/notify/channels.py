"""Channel adapters: each sends one message or raises ``DeliveryError``."""

import hashlib
import hmac
import http.client
import json
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings

from qianshao.notify.models import Channel, InboxItem, Message


class DeliveryError(Exception):
    def __init__(self, reason: str, status_code: int | None = None, permanent: bool = False):
        super().__init__(reason)
        self.status_code = status_code
        self.permanent = permanent


@dataclass
class Sent:
    status_code: int | None = None
    response: str = ""


def absolute(link: str) -> str:
    if not link or link.startswith(("http://", "https://")):
        return link
    return f"{settings.BASE_URL}{link}" if settings.BASE_URL else link


def send_inapp(message: Message) -> Sent:
    user_id = message.user_id or (message.person.user_id if message.person_id else None)
    if user_id is None:
        raise DeliveryError("recipient has no account", permanent=True)
    InboxItem.objects.get_or_create(
        message=message,
        defaults={
            "user_id": user_id,
            "event": message.event,
            "subject": message.subject,
            "body": message.body,
            "link": message.link,
            "action": message.action,
        },
    )
    return Sent()


def send_sms(message: Message) -> Sent:
    if not settings.SMS_GATEWAY_URL:
        raise DeliveryError("no SMS gateway is configured (QIANSHAO_SMS_URL)", permanent=True)
    text = f"【前哨】{message.subject}"
    if message.body:
        text += f"：{message.body}"
    link = absolute(message.link)
    if link.startswith("http"):
        text += f" {link}"
    payload = {"id": str(message.uuid), "to": message.address, "text": text}
    headers = {}
    if settings.SMS_GATEWAY_TOKEN:
        headers["Authorization"] = f"Bearer {settings.SMS_GATEWAY_TOKEN}"
    return _post_json(settings.SMS_GATEWAY_URL, payload, headers)


def send_webhook(message: Message) -> Sent:
    if not message.webhook.active:  # switched off after the message was queued
        raise DeliveryError("the webhook has been switched off", permanent=True)
    body = {
        "id": str(message.uuid),
        "event": message.event,
        "subject": message.subject,
        "body": message.body,
        "link": absolute(message.link),
        "payload": message.payload,
        "created_at": message.created_at.isoformat(),
    }
    raw = json.dumps(body, ensure_ascii=False, sort_keys=True).encode()
    headers = {"X-Qianshao-Event": message.event}
    if message.webhook and message.webhook.secret:
        digest = hmac.new(message.webhook.secret.encode(), raw, hashlib.sha256).hexdigest()
        headers["X-Qianshao-Signature"] = f"sha256={digest}"
    return _post_raw(message.address, raw, headers)


def _post_json(url: str, payload: dict, headers: dict) -> Sent:
    return _post_raw(url, json.dumps(payload, ensure_ascii=False).encode(), headers)


def _post_raw(url: str, raw: bytes, headers: dict) -> Sent:
    try:
        request = urllib.request.Request(
            url,
            data=raw,
            method="POST",
            headers={"Content-Type": "application/json; charset=utf-8", **headers},
        )
    except ValueError as exc:  # not a URL at all: no retry will help
        raise DeliveryError(f"bad address {url!r}: {exc}", permanent=True) from exc
    try:
        with urllib.request.urlopen(request, timeout=settings.NOTIFY_TIMEOUT_SECONDS) as response:
            return Sent(response.status, response.read(2000).decode("utf-8", "replace"))
    except urllib.error.HTTPError as exc:
        text = exc.read(2000).decode("utf-8", "replace")
        permanent = 400 <= exc.code < 500 and exc.code not in (408, 425, 429)
        raise DeliveryError(f"HTTP {exc.code}: {text}", exc.code, permanent) from exc
    except (urllib.error.URLError, TimeoutError, OSError, http.client.HTTPException) as exc:
        raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc


ADAPTERS = {Channel.INAPP: send_inapp, Channel.SMS: send_sms, Channel.WEBHOOK: send_webhook}
