# The portal's one image: web (gunicorn), Celery worker and Celery beat differ only in command.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MEDIA_ROOT=/app/var/media

# CA certificates for the crawler (it verifies HTTPS against the system store); WeasyPrint's
# libraries (its install guide for Debian >= 11 with wheels, plus HarfBuzz subset,
# which WeasyPrint warns future versions will require), and fonts for the PDF letters:
# Liberation is metric-compatible with Arial, DejaVu covers the characters Liberation lacks.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        ca-certificates libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
        fonts-liberation2 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, from pyproject.toml alone, so a code change does not reinstall them.
# With no packages beside it yet, `pip install .` installs the dependencies and an empty
# project; the code itself runs from /app, where manage.py, gunicorn and celery import it.
COPY pyproject.toml ./
RUN pip install .

COPY . .
# The build needs a SECRET_KEY to load settings; this one is never used at run time.
RUN SECRET_KEY=collectstatic-only-not-a-secret python manage.py collectstatic --noinput \
    && rm -rf /app/var/broker

# Run as an unprivileged user; it owns only the media folder (the `media` volume mounts here).
RUN useradd --create-home --uid 10001 app \
    && mkdir -p "$MEDIA_ROOT" \
    && chown -R app:app "$MEDIA_ROOT"
USER app

EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "-b", "0.0.0.0:8000", "-w", "3", "--access-logfile", "-"]
