"""The portal's URLs plus a page that fails, for the tests of logs and error reports
(`@pytest.mark.urls("tests.core.failing_urls")`, or ROOT_URLCONF in a child process)."""

import logging

from django.contrib.auth.decorators import login_not_required
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from cdp_portal.urls import urlpatterns as portal_urlpatterns

FAILURE_MESSAGE = "the failing test page failed on purpose"


@csrf_exempt
@login_not_required
def failing_view(request):
    logging.getLogger("tests.failing_view").info("about to fail")
    raise RuntimeError(FAILURE_MESSAGE)


urlpatterns = [path("failing-page/", failing_view), *portal_urlpatterns]
