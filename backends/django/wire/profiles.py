"""Every profile of the differential test: djoser's (wire/cases.py) and the other URL
layouts' (simplejwt, and dj-rest-auth's cookie wire)."""

from . import cases, rest_auth_cases, simplejwt_cases

PROFILES = cases.PROFILES + simplejwt_cases.PROFILES + rest_auth_cases.PROFILES
