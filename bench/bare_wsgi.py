"""Bare Django under gunicorn, for bench/load.py's floor of the smallest signed-in read: the
product's settings with stock database sessions and authentication and nothing else, serving
the school's bells (bench/frame.py's bare_bells) to a session of bench.frame.stock_session."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from bench.frame import bare_handler  # noqa: E402

application = bare_handler()
