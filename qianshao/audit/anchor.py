"""Anchoring the audit chain outside the database (docs/adr/0017): the head's
``SEQ:HASH``, checked against the chain later (`qianshao audit verify --anchor SEQ:HASH`).
Writing it to the log and the webhooks every day is notify's job (notify/anchor.py)."""

import re
from dataclasses import dataclass

from qianshao.audit.models import AuditHead, AuditRecord

_FORM = re.compile(r"(?:(\d+):)?([0-9a-f]{64})")


@dataclass(frozen=True)
class Anchor:
    """A record's place and hash; ``seq`` is None when only the hash was kept."""

    seq: int | None
    hash: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}" if self.seq is not None else self.hash

    @classmethod
    def parse(cls, text: str) -> "Anchor":
        """``SEQ:HASH`` or ``HASH`` (64 hex digits); ValueError otherwise."""
        found = _FORM.fullmatch(text.strip().lower())
        if not found:
            raise ValueError(f"an anchor is SEQ:HASH or HASH (64 hex digits), not {text!r}")
        return cls(int(found[1]) if found[1] else None, found[2])


def current() -> Anchor:
    head = AuditHead.objects.filter(pk=1).values_list("last_seq", "last_hash").first()
    return Anchor(*head) if head else Anchor(0, "0" * 64)


def problem(anchor: Anchor) -> str:
    """Why the stored chain does not hold ``anchor`` ('' when it does). Verify the chain
    first: this only looks the anchored record up."""
    if anchor.seq is None:
        if AuditRecord.objects.filter(hash=anchor.hash).exists():
            return ""
        return f"anchor {anchor}: no record has this hash any more"
    if anchor.seq == 0:
        return ""  # the empty chain's head
    stored = AuditRecord.objects.filter(seq=anchor.seq).values_list("hash", flat=True).first()
    if stored is None:
        return f"anchor {anchor}: record #{anchor.seq} is gone"
    if stored != anchor.hash:
        return f"anchor {anchor}: record #{anchor.seq} now has hash {stored}"
    return ""
