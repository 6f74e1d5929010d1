"""``unstorable``: NUL or a lone surrogate anywhere in the text, however long; ASCII text
takes a faster path that must agree with the pattern."""

import re

from hypothesis import given
from hypothesis import strategies as st

from qianshao.lib.text import unstorable

PATTERN = re.compile(r"[\x00\ud800-\udfff]")
PIECES = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(max_codepoint=127)),  # ASCII, NUL included
    st.sampled_from(["\x00", "\ud800", "\udfff", "隐患", "a"]),
)


@given(st.lists(PIECES, max_size=8).map("".join))
def test_it_agrees_with_the_pattern_on_any_text(text):
    assert unstorable(text) == (PATTERN.search(text) is not None)


def test_a_nul_or_a_surrogate_at_the_end_of_a_long_ascii_text_is_found():
    base64_like = "QUJD" * 50_000
    assert not unstorable(base64_like)
    assert unstorable(base64_like + "\x00")
    assert unstorable(base64_like + "\ud83d")  # not ASCII: the pattern's path
    assert not unstorable(base64_like + "隐患")
