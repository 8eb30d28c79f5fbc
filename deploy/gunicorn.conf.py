import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
threads = 1  # django-tenants keeps the school on the connection: one request per thread
timeout = 30
accesslog = "-"
