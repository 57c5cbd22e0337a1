# The production image: gunicorn for the web, the same image for the Celery worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_ENV=production
WORKDIR /app

# Exactly the locked packages, each checked against its hash (bin/lock writes the lock), in
# their own layer: a change to the code alone does not install them again.
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
COPY hatsync ./hatsync
COPY invoices ./invoices
COPY integrations ./integrations
COPY qbo_sandbox ./qbo_sandbox
COPY templates ./templates
COPY manage.py ./
# hatsync itself adds nothing (--no-deps) and builds with the locked setuptools.
RUN pip install --no-cache-dir --no-deps --no-build-isolation . \
    && SECRET_KEY=collectstatic-only-collectstatic-only-collectstatic-only \
       ALLOWED_HOSTS=localhost TOKEN_ENCRYPTION_KEY=build-only python manage.py collectstatic --noinput \
    && useradd --create-home hatsync
USER hatsync

EXPOSE 8000
# The access log shows paths without query strings: the OAuth callback's carries a sign-in code.
CMD ["gunicorn", "hatsync.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-", \
     "--access-logformat", "%(h)s %(t)s \"%(m)s %(U)s\" %(s)s %(b)s %(L)s"]
