import gc
import os

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

from django.conf import settings  # noqa: E402  (configured by the line above)

if not settings.DEBUG and settings.SECRET_KEY_IS_PUBLIC:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set (or is Django's insecure default) and DEBUG is off. Set SECRET_KEY to a long "
        "random value, for example the output of: python -c 'import secrets; print(secrets.token_urlsafe(50))'. "
        "For development on this machine only, set DEBUG=true instead."
    )

# What is loaded by now lives as long as the worker: keep it out of the collector's full passes, which walked it
# all on some requests (a pause of about half a second under bench.pages).
gc.freeze()
