import os
from urllib.parse import urlsplit, urlunsplit

import pytest


@pytest.fixture(autouse=True)
def _plain_http(settings, tmp_path):
    """Tests talk plain HTTP to the test client and live servers; production settings do not."""
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.SECURE_HSTS_SECONDS = 0
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: figures are kept under a fingerprint of the results, and a test
    with a frozen clock could rebuild the very database state an earlier test left, with other contents."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(scope="session", autouse=True)
def _own_broker(tmp_path_factory):
    """Each test process gets a broker of its own, so that the workers of another process (a parallel
    pytest-xdist process, another session, the demo) never take its tasks: with the embedded broker a
    folder of its own, with Redis a database of its own (the workers it starts inherit REDIS_URL)."""
    from django.conf import settings

    from config.celery import app

    if settings.EMBEDDED_BROKER:
        folder = tmp_path_factory.mktemp("broker")
        (folder / "control").mkdir()
        settings.EMBEDDED_BROKER_DIR = str(folder)
        app.conf.broker_transport_options = {
            **app.conf.broker_transport_options,
            "data_folder_in": str(folder),
            "data_folder_out": str(folder),
            "control_folder": str(folder / "control"),
        }
    elif os.environ.get("PYTEST_XDIST_WORKER") and settings.REDIS_URL == settings.CELERY_BROKER_URL:
        redis_url = urlsplit(settings.REDIS_URL)
        worker_number = int(os.environ["PYTEST_XDIST_WORKER"].removeprefix("gw"))
        database = (int(redis_url.path.strip("/") or 0) - worker_number) % 16
        url = urlunsplit(redis_url._replace(path=f"/{database}"))
        settings.REDIS_URL = settings.CELERY_BROKER_URL = app.conf.broker_url = url
        os.environ["REDIS_URL"] = url
        os.environ.pop("CELERY_BROKER_URL", None)
    yield


@pytest.fixture(autouse=True)
def _force_login_passes_two_factor(monkeypatch):
    """`client.force_login` stands for the whole sign-in, second step included, for anyone who owes it.

    tests/trusts/test_two_factor.py signs in through the real pages, codes and all.
    """
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from trusts import two_factor

    force_login = Client.force_login

    def force_login_with_second_step(client, user, backend=None):
        force_login(client, user, backend)
        device = two_factor.confirmed_device(user)
        if device is None and two_factor.is_required(user):
            device = TOTPDevice.objects.create(user=user, name="Test app", confirmed=True)
        if device is not None:
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()

    monkeypatch.setattr(Client, "force_login", force_login_with_second_step)
