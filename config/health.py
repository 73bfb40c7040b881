"""/healthz and /readyz, answered on every host before tenant routing."""

import hmac
import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from config.client_address import client_address, in_networks, networks_of, parse_address
from config.readiness import run_checks

logger = logging.getLogger(__name__)

# Kubernetes' httpGet probes and most load balancers can send a fixed header.
READINESS_TOKEN_HEADER = "X-Readiness-Token"  # noqa: S105 - a header name, not a secret


def may_see_details(request: HttpRequest) -> bool:
    """Which dependency failed, how fast each answered and the driver's error text are for the
    operators: the caller presents READINESS_TOKEN or comes from READINESS_ALLOWED_NETWORKS."""
    token = settings.READINESS_TOKEN
    presented = request.headers.get(READINESS_TOKEN_HEADER, "")
    if token and presented and hmac.compare_digest(presented.encode(), token.encode()):
        return True
    networks = networks_of(settings.READINESS_ALLOWED_NETWORKS)
    return in_networks(parse_address(client_address(request)), networks)


class HealthCheckMiddleware:
    """Liveness and readiness probes for load balancers and orchestrators.

    /healthz says only that the process serves requests: no database, so a database outage
    never gets healthy processes restarted. /readyz checks every dependency and answers 503 when
    one fails, so traffic is held back until they return; only operators (see
    `may_see_details`) are told which one, everyone else only the status.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/healthz":
            return JsonResponse({"status": "ok"})
        if request.path == "/readyz":
            results = run_checks()
            ready = all(result.ok for result in results.values())
            body: dict[str, object] = {"status": "ready" if ready else "unavailable"}
            if may_see_details(request):
                body["checks"] = {name: result.as_dict() for name, result in results.items()}
            elif not ready:
                # The details stay out of the answer, so they go to the logs.
                failed = {name: r.error for name, r in results.items() if not r.ok}
                logger.warning("Not ready: %s", failed)
            response = JsonResponse(body, status=200 if ready else 503)
            response["Cache-Control"] = "no-store"
            return response
        return self.get_response(request)
