"""gunicorn's settings wherever the web app is deployed: the Docker image, docker-compose.yml and CI's smoke step.

Start it with ``gunicorn --config gunicorn.conf.py``; flags on the command line
or in ``GUNICORN_CMD_ARGS`` (``--bind=127.0.0.1:8001``) override these.
"""

import os

wsgi_app = "salesanalytics.wsgi:application"
bind = ["0.0.0.0:8000"]
# Threads serve concurrent requests in each process while they wait on PostgreSQL and Redis.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = 4
keepalive = 5
graceful_timeout = 30
accesslog = "-"
# The heartbeat file on a RAM disk where there is one (a container's /tmp may be a slow overlay).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# No runtime control interface: nothing here uses one, and every instance on a host would share its socket path.
control_socket_disable = True
