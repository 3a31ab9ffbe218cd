import os
import subprocess
import sys

from django.conf import settings


def _check_deploy(**env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_settings_pass_check_deploy():
    result = _check_deploy(
        DEBUG="false",
        SECRET_KEY="a-long-random-production-secret-" + "x7Qp2Lm9Zr4Tv8Wn" * 3,
        ALLOWED_HOSTS="audit.regulator.example",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def _start(*, drop: tuple[str, ...] = (), **env) -> subprocess.CompletedProcess:
    """Load the web application in a new process, as gunicorn or runserver does at start-up."""
    base = {k: v for k, v in os.environ.items() if k not in drop}
    return subprocess.run(
        [sys.executable, "-c", "import config.wsgi; print('started')"],
        cwd=settings.BASE_DIR,
        env={**base, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_with_debug_off_the_default_secret_key_stops_the_app_at_start_up():
    result = _start(drop=("SECRET_KEY",), DEBUG="false")

    assert result.returncode != 0
    assert "started" not in result.stdout
    assert "ImproperlyConfigured: SECRET_KEY is not set (or is Django's insecure default) and DEBUG is off" in (
        result.stderr
    )


def test_an_insecure_django_key_is_refused_too():
    result = _start(DEBUG="false", SECRET_KEY="django-insecure-" + "k" * 50)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr


def test_commands_still_run_with_the_default_key_on_a_machine_that_serves_nothing():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env={**{k: v for k, v in os.environ.items() if k != "SECRET_KEY"}, "DEBUG": "false"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_the_default_key_still_serves_development_with_debug_on():
    result = _start(drop=("SECRET_KEY",), DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_a_negative_proxy_count_fails_at_start_up():
    result = _start(TRUSTED_PROXY_COUNT="-1")
    assert result.returncode != 0
    assert "TRUSTED_PROXY_COUNT must not be negative" in result.stderr


def test_a_negative_crawl_delay_fails_at_start_up():
    result = _check_deploy(AUDIT_CRAWL_DELAY="-1")
    assert result.returncode != 0
    assert "AUDIT_CRAWL_DELAY must not be negative" in result.stderr
