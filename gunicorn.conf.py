"""Production serving: `gunicorn -c gunicorn.conf.py` (see the README's "Running it for real")."""

import multiprocessing
import os
import subprocess
import sys

wsgi_app = "app:create_app()"
bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("THREADS", "2"))
timeout = 30
graceful_timeout = 20
# Behind a TLS-terminating proxy on the same machine: trust its X-Forwarded-* headers.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Hot spots are recomputed by one separate process, not in the web workers (see when_ready).
os.environ.setdefault("HOTSPOTS_RECOMPUTE", "external")
accesslog = "-"
# Method, path and status only: no client address, query string, body or user agent; and
# receipt codes, invitation tokens and API keys cut out of what is left (core/logs.py).
access_log_format = '"%(m)s %(U)s" %(s)s %(B)s %(M)sms'
logger_class = "core.gunicorn_log.AccessLogger"


def on_starting(server):  # noqa: ANN001, ANN201 (gunicorn's hook signature)
    if not os.environ.get("SECRET_KEY"):
        sys.exit("SECRET_KEY must be set in production (a long random string).")
    if not os.environ.get("RATELIMIT_STORAGE_URI", "").startswith("redis://"):
        server.log.warning(
            "RATELIMIT_STORAGE_URI is not Redis: each worker counts rate limits on its own."
        )


def when_ready(server):  # noqa: ANN001, ANN201
    if os.environ.get("HOTSPOTS_RECOMPUTE") == "external":
        server.hotspot_worker = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app:create_app", "hotspots", "worker"]
        )


def on_exit(server):  # noqa: ANN001, ANN201
    worker = getattr(server, "hotspot_worker", None)
    if worker is not None and worker.poll() is None:
        worker.terminate()
        worker.wait(timeout=10)
