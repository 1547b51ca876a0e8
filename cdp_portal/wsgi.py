import os
import sys

from django.core.wsgi import get_wsgi_application

from cdp_portal.core.config import ConfigurationError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cdp_portal.settings")

# gunicorn's APP_LOAD_ERROR: a worker exiting with it makes the master stop ("App failed to
# load.") instead of starting workers that fail the same way forever.
GUNICORN_APP_LOAD_ERROR = 4

try:
    application = get_wsgi_application()
except ConfigurationError as error:
    # The list of problems is the whole story: no traceback around it.
    print(error, file=sys.stderr, flush=True)
    sys.exit(GUNICORN_APP_LOAD_ERROR)
