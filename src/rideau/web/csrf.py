"""The CSRF token of a public page's answer (`pagecache._personal`), as Django's
`django.middleware.csrf.get_token` makes it, with fewer Python steps.

Every cookie-less visitor of an event page needs a new secret and a masked token: 64
random characters, which Django draws one `secrets.choice` at a time (about a quarter of a
page served from the cache, issue 17). Here they are drawn from one `secrets.token_bytes`:
bytes below 248 (4 × 62) map evenly onto the 62 allowed characters, the others are
dropped, so each character is as likely as with Django's draw. The secret and the
"CSRF_COOKIE_NEEDS_UPDATE" flag go where Django's `get_token` puts them, so
`CsrfViewMiddleware` sets the cookie and checks the token unchanged
(`tests/web/test_csrf_token.py` posts with it).
"""

import secrets

from django.http import HttpRequest
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
from django.middleware.csrf import get_token as django_get_token

_N = len(CSRF_ALLOWED_CHARS)  # 62
_EVEN = 256 - 256 % _N  # 248: the bytes that map evenly
_TO_CHAR = bytes(ord(CSRF_ALLOWED_CHARS[b % _N]) if b < _EVEN else 0 for b in range(256))
_UNEVEN = bytes(range(_EVEN, 256))
# (secret character, mask character) -> cipher character, as Django's mask adds them
_CIPHER = {
    (s, m): CSRF_ALLOWED_CHARS[(i + j) % _N]
    for i, s in enumerate(CSRF_ALLOWED_CHARS)
    for j, m in enumerate(CSRF_ALLOWED_CHARS)
}


def random_chars(n: int) -> str:
    """`n` characters of `CSRF_ALLOWED_CHARS`, each uniformly from the system's CSPRNG."""
    while True:
        drawn = secrets.token_bytes(n + 16).translate(_TO_CHAR, _UNEVEN)
        if len(drawn) >= n:  # all but certain: 16 spare bytes, each kept at 31/32
            return drawn[:n].decode()


def get_token(request: HttpRequest) -> str:
    """A masked token of the request's CSRF secret (a new one when it has none)."""
    meta = request.META
    secret = meta.get("CSRF_COOKIE")
    if secret is None:
        secret = meta["CSRF_COOKIE"] = random_chars(CSRF_SECRET_LENGTH)
    meta["CSRF_COOKIE_NEEDS_UPDATE"] = True
    mask = random_chars(CSRF_SECRET_LENGTH)
    try:
        return mask + "".join(map(_CIPHER.__getitem__, zip(secret, mask, strict=True)))
    except (KeyError, ValueError):  # not a secret of the usual form: Django's own way
        return django_get_token(request)
