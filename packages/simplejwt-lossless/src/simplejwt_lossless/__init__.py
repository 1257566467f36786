"""Lossless refresh-token rotation for djangorestframework-simplejwt.

Under `ROTATE_REFRESH_TOKENS` + `BLACKLIST_AFTER_ROTATION`, a client that never reads the
answer of its refresh (a page reloaded or closed mid-request) is logged out: the token it
still holds is already blacklisted. This package keeps each login's tokens as a family and,
within a reuse interval, answers the parent of the family's current token with that current
token (GoTrue's "reuse interval"); any other reuse revokes the family.

Plug in through `SIMPLE_JWT["TOKEN_REFRESH_SERIALIZER"]`; see README.md.
"""

__version__ = "0.1.0"
