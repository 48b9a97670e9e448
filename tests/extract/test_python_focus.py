"""Only the statements that can matter reach libcst; positions and results do not change."""

from migrate.extract import extract
from migrate.extract.base import Source
from migrate.lang.python.focus import focus

SIGNER = '''import time
import jwt as pyjwt
from django.conf import settings

SECRET = settings.ZENDESK_SECRET


def claims_for(user):
    return {"external_id": str(user.pk), "scope": "user", "exp": int(time.time()) + 300}


def zendesk_token(request):
    return pyjwt.encode(claims_for(request.user), SECRET, headers={"kid": settings.ZENDESK_KID})


def view(request):
    return JsonResponse({"jwt": zendesk_token(request)})
'''
UNRELATED = "".join(f"\n\ndef total_{i}(items):\n    return sum(i.price for i in items)\n" for i in range(200))


def test_unrelated_definitions_are_blanked_and_related_kept():
    text = SIGNER + UNRELATED
    out = focus(text)
    assert out.count("\n") == text.count("\n")
    assert "total_7" not in out
    for kept in ("def claims_for", "def zendesk_token", "def view", "SECRET ="):
        assert kept in out


def test_same_signer_with_or_without_the_noise():
    small = extract(Source.of("v.py", "python", SIGNER)).signers
    big = extract(Source.of("v.py", "python", UNRELATED + SIGNER)).signers
    assert len(small) == len(big) == 1
    offset = UNRELATED.count("\n")
    assert big[0].line == small[0].line + offset
    assert {k: e.text for k, e in big[0].claims.items()} == {k: e.text for k, e in small[0].claims.items()}
    assert big[0].response == small[0].response


def test_a_module_that_does_not_parse_is_left_alone():
    broken = SIGNER + "def f(:\n"
    assert focus(broken) == broken
