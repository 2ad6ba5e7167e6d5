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

# After a response, gunicorn reads and discards at most 64 KiB of a request body the application
# left unread (a 404, a 401 or a throttled 429 answers without reading it), and closes the
# connection when more is left. That response has already announced keep-alive, so the client's
# next request on the connection fails. A request whose body may be that long is answered with
# "Connection: close" instead, and the client opens a new connection for its next one.
KEEPALIVE_MAX_BODY = 64 * 1024


def pre_request(worker, req):
    worker.log.debug("%s %s", req.method, req.path)  # gunicorn's own pre_request
    for name, value in req.headers:  # names upper-cased; gunicorn has validated the framing
        if name == "TRANSFER-ENCODING" or (name == "CONTENT-LENGTH" and int(value) >= KEEPALIVE_MAX_BODY):
            req.force_close()
            break
