"""WSGI entry point: `gunicorn benchshop.wsgi:application`, from bench/oscar/."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchshop.settings")

application = get_wsgi_application()
