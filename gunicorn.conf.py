"""gunicorn reads this file from the folder it starts in (docs/deployment.md).

Start-up refuses several workers whose rate limits would each be counted in the worker's own
memory (tipline.production.check_workers); set TIPLINE_RATELIMIT_STORAGE_URI to Redis.
"""
import os

from tipline.production import check_workers


def on_starting(server):
    check_workers(server.cfg.workers, os.environ, server.log)
