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


@pytest.fixture(scope="session", autouse=True)
def _own_broker_folder(tmp_path_factory):
    """With the embedded broker, each test session gets a folder of its own, so that the workers of
    another session (or of the demo) never take this session's tasks."""
    from django.conf import settings

    from config.celery import app

    if not settings.EMBEDDED_BROKER:
        yield
        return
    folder = tmp_path_factory.mktemp("broker")
    (folder / "control").mkdir()
    settings.EMBEDDED_BROKER_DIR = str(folder)
    app.conf.broker_transport_options = {
        **app.conf.broker_transport_options,
        "data_folder_in": str(folder),
        "data_folder_out": str(folder),
        "control_folder": str(folder / "control"),
    }
    yield
