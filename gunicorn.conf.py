"""Gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app`.

Every value can be changed through the environment (see deploy/env.example).
"""

import gc
import os
from pathlib import Path

#: Where gunicorn listens; the reverse proxy (nginx) forwards to this address.
bind = os.environ.get("BIND", "127.0.0.1:8000")

#: Sync workers: one request at a time each. Two fit a small server; raise WEB_CONCURRENCY
#: on a bigger one. With more than one worker, set REDIS_URL so the login rate limit is shared.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "sync"

#: A worker silent for this long is killed and restarted. Generous enough for a PDF of a full
#: label sheet; a stuck request must not hold a worker for minutes.
timeout = 60
#: Time given to workers to finish their requests on restart or stop.
graceful_timeout = 30
#: Keep-alive towards the reverse proxy only; browsers never talk to gunicorn directly.
keepalive = 5

#: Proxies allowed to say the request came over HTTPS (X-Forwarded-Proto). The app itself
#: trusts X-Forwarded-* from PROXY_COUNT proxies (werkzeug's ProxyFix).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# No access log. gunicorn's access log writes the full path, the query string and the client
# address of every request: paths carry personal tokens (ticket and edit links), query strings
# carry names typed into search boxes. The app logs each request itself as method, route
# pattern ("/events/<slug>"), status and duration, without path, query or client address
# (meetup/ops/logs.py). Personal data must not reach the logs.
accesslog = None
#: Errors and the app's request log go to stderr, i.e. the systemd journal.
errorlog = "-"
loglevel = "info"

#: The runtime control socket (gunicornc) is not used; under systemd's ProtectSystem=strict
#: its default place ($HOME/.gunicorn/) is not writable anyway.
control_socket_disable = True

proc_name = "meetup"

#: Prometheus' multiprocess mode (meetup/ops/metrics.py): each worker writes its counts to
#: files in this folder and /metrics adds them up. deploy/meetup.service sets it to a folder
#: of its own under /run; unset, each worker would report its own share only.
PROMETHEUS_MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")

#: LOG_FORMAT=json: gunicorn's own lines (workers booting, exiting, timing out) are JSON too,
#: like the app's (meetup/ops/logs.py), so that every line of the journal parses.
if os.environ.get("LOG_FORMAT", "text").strip().lower() == "json":
    from gunicorn.glogging import Logger as _Logger

    class JsonLogger(_Logger):
        def setup(self, cfg):
            super().setup(cfg)
            from meetup.ops.logs import JsonFormatter

            for handler in self.error_log.handlers:
                handler.setFormatter(JsonFormatter())

    logger_class = JsonLogger


def on_starting(server) -> None:
    """Before the first worker starts: counts a previous run left are removed, so a restart
    starts the counters from zero (as Prometheus expects of a restarted process) rather
    than adding to files of workers long gone."""
    if PROMETHEUS_MULTIPROC_DIR:
        folder = Path(PROMETHEUS_MULTIPROC_DIR)
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.db"):
            stale.unlink()


def child_exit(server, worker) -> None:
    """A worker exited (restarted, timed out): prometheus_client forgets its live gauges;
    its counters stay in the sum."""
    if PROMETHEUS_MULTIPROC_DIR:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker) -> None:
    """Once a worker has loaded the app, leave the objects it made out of garbage collection.

    The app's modules, models, compiled queries and templates (about 150,000 objects) live as
    long as the worker, yet Python's full collections went through all of them: measured in
    process over 6,000 signups and page views, one full collection paused a request for
    85 ms; frozen, there were 8, the longest 4 ms. Such pauses are rare (a few per hour of
    traffic), so the 10-second benchmarks show no difference; a long-running worker's
    slowest requests do. Garbage from the start-up is collected first, so none is kept.
    """
    gc.collect()
    gc.freeze()
