"""Free text as it is stored: what people type on phones and public forms."""

import re

from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from qianshao.lib.errors import ActionError

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str, field: str, *, limit: int, required: bool = True) -> str:
    """Text as stored: tags and control characters removed, trimmed, length-checked."""
    text = _CONTROL.sub("", strip_tags(value or "")).strip()
    if required and not text:
        raise ActionError(_("不能为空"), field)
    if len(text) > limit:
        raise ActionError(_("不能超过 %(n)s 个字") % {"n": limit}, field)
    return text


_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


def unstorable(value: str) -> bool:
    """Whether ``value`` holds a character no database column can keep: NUL, which
    PostgreSQL refuses, or a lone surrogate, which UTF-8 cannot encode. ASCII text (a
    photo's base64, most codes and numbers) needs only the search for NUL, which is many
    times faster than the pattern's over a long string."""
    if value.isascii():
        return "\x00" in value
    return _UNSTORABLE.search(value) is not None
