#!/usr/bin/env python3
"""Django's command-line utility, for `makemigrations` after a change to accounts/models.py:
DJOSER_LOGIN_FIELD=email python manage.py makemigrations accounts (in the virtualenv)."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
