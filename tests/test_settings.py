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


def test_default_secret_key_is_flagged_by_check_deploy():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env={**env, "DEBUG": "false"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "security.W009" in result.stderr + result.stdout


def test_a_negative_crawl_delay_fails_at_start_up():
    result = _check_deploy(AUDIT_CRAWL_DELAY="-1")
    assert result.returncode != 0
    assert "AUDIT_CRAWL_DELAY must not be negative" in result.stderr
