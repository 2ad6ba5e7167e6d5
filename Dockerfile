# Production image: gunicorn serving salesanalytics.wsgi on port 8000.
# The same image runs the Celery worker and beat (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=salesanalytics.settings.production

RUN useradd --system --user-group --create-home --home-dir /home/app app

WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Static files are collected at build time; the secret only satisfies the
# production settings check here and is not part of the runtime environment.
RUN DJANGO_SECRET_KEY="build-time-only-collectstatic-key-never-used-at-runtime-0123456789" \
    python manage.py collectstatic --noinput \
    && mkdir -p /app/var/imports \
    && chown -R app:app /app/var

USER app

EXPOSE 8000

# gunicorn.conf.py: gthread workers on 0.0.0.0:8000 (WEB_CONCURRENCY processes, default 3), the same in
# docker-compose.yml and CI's production smoke step.
CMD ["gunicorn", "--config", "gunicorn.conf.py"]
