"""One spelling per one-tap link: ``/w/<token>`` opens only the exact token the SMS carried.

The old parser read the id part with ``int(head, 36)``, which also takes capitals, leading
zeros, a sign, underscores and surrounding blanks: several links named one delivery."""

import uuid

import pytest

from qianshao.warnings import links
from qianshao.warnings.models import Delivery, Reply

AN_ID = 1_234_567  # "qglj" in base 36: letters, so that case shows


def respellings(token: str) -> dict[str, str]:
    """Other spellings of ``token`` that the old parser read as the same delivery."""
    head, _dash, mac = token.partition("-")
    return {
        "capitals": f"{head.upper()}-{mac}",
        "a leading zero": f"0{head}-{mac}",
        "leading zeros": f"000{head}-{mac}",
        "a plus sign": f"+{head}-{mac}",
        "an underscore": f"{head[0]}_{head[1:]}-{mac}",
        "a leading blank": f" {head}-{mac}",
        "a trailing blank in the id": f"{head} -{mac}",
        "a tab": f"\t{head}-{mac}",
    }


def test_the_canonical_token_names_its_id():
    token = links.token_for(AN_ID)
    assert token.startswith("qglj-") and len(token) == len("qglj-") + 16
    assert links.delivery_id_of(token) == AN_ID


@pytest.mark.parametrize("how", sorted(respellings(links.token_for(1)).keys()))
def test_it_refuses_another_spelling_of_the_same_id(how):
    token = links.token_for(AN_ID)
    other = respellings(token)[how]
    assert other != token
    assert links.delivery_id_of(other) is None, how


@pytest.mark.parametrize(
    "tail", ["=", "==", " ", "\n", "/", "x"], ids=["pad", "pad2", "blank", "newline", "slash", "x"]
)
def test_it_refuses_a_token_with_anything_after_it(tail):
    assert links.delivery_id_of(links.token_for(AN_ID) + tail) is None


def test_it_refuses_a_mac_in_another_case():
    token = links.token_for(AN_ID)
    head, _dash, mac = token.partition("-")
    for other in {mac.upper(), mac.lower(), mac.swapcase()} - {mac}:
        assert links.delivery_id_of(f"{head}-{other}") is None


def test_the_page_says_the_link_is_invalid_for_every_other_spelling(cast, issued, client):
    w = issued()
    d = Delivery.objects.get(warning=w, person=cast.people["township"])
    token = links.token_for(d.pk)
    assert client.get(f"/w/{token}").status_code == 200
    head, _dash, mac = token.partition("-")
    others = [
        f"0{head}-{mac}",
        f"+{head}-{mac}",
        f"%20{head}-{mac}",
        f"{head}%20-{mac}",
        f"{token}=",
        f"{token}%3D%3D",
        f"{token}.",
    ]
    for other in others:
        for response in (
            client.get(f"/w/{other}"),
            client.post(f"/w/{other}", {"client_uuid": str(uuid.uuid4()), "answer": "received"}),
        ):
            assert response.status_code == 404, other
            assert "链接无效" in response.content.decode(), other
    assert Reply.objects.count() == 0
