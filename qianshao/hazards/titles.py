"""Default titles made from free text: a public report's text becomes the title offered for
the hazard it is turned into, cut at a phrase rather than mid-way."""

import unicodedata

# where a default title may end: after a sentence or phrase, or at a space
TITLE_BREAKS = "。！？；，、!?;,"
TITLE_LIMIT = 30


def default_title(text: str, limit: int = TITLE_LIMIT) -> str:
    """``text`` up to its last sentence or phrase boundary within ``limit`` characters (cut
    at ``limit`` only when there is none), never ending on punctuation."""
    text = " ".join(text.split())
    head = text
    if len(text) > limit:
        head = text[: limit + 1]  # a boundary just after the limit still ends a phrase
        cuts = [i for i, ch in enumerate(head) if i and (ch in TITLE_BREAKS or ch == " ")]
        head = head[: cuts[-1]] if cuts else text[:limit]
    while head and (head[-1].isspace() or unicodedata.category(head[-1]).startswith("P")):
        head = head[:-1]
    return head or text[:limit]
