"""Structured logs: one JSON object a line, each naming the school whose schema was active."""

import json
import logging

from django.db import connection


class SchoolFilter(logging.Filter):
    def filter(self, record):
        record.school = getattr(connection, "schema_name", "public")
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record):
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "school": getattr(record, "school", "public"),
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
