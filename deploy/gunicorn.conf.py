import multiprocessing
import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
# Workers from the cores the pod or server has (2 per core + 1), unless WEB_CONCURRENCY says.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1))
threads = 1  # django-tenants keeps the school on the connection: one request per thread
timeout = 30
graceful_timeout = 25  # within Kubernetes' 30 s between SIGTERM and SIGKILL
keepalive = 5  # above nothing; the ingress keeps its own connections
# A worker is replaced after this many requests (with jitter, not all at once): whatever a
# library leaks does not grow for weeks.
max_requests = 2000
max_requests_jitter = 200
worker_tmp_dir = "/dev/shm"  # the heartbeat file; the root filesystem is read-only in the chart
accesslog = "-"
