"""Gunicorn settings for the IdP's Prometheus metrics in multi-process mode.

    PROMETHEUS_MULTIPROC_DIR=/run/idp-metrics gunicorn -c config/gunicorn.conf.py idp.wsgi:app

With PROMETHEUS_MULTIPROC_DIR set (a folder only the IdP writes to), every worker keeps its
values in files there and /metrics adds them up across workers (prometheus_client
multiprocess mode). Stale files of a previous run are removed at start, and a worker that exits
is marked dead so its live-only values stop counting. Other gunicorn options (bind, workers,
worker class) stay on the command line or in GUNICORN_CMD_ARGS.
"""

import os
from pathlib import Path


def on_starting(server):
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        path = Path(folder)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):
            stale.unlink()


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
