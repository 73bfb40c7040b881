"""/healthz and /readyz, answered on every host before tenant routing."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from config.readiness import run_checks


class HealthCheckMiddleware:
    """Liveness and readiness probes for load balancers and orchestrators.

    /healthz says only that the process serves requests: no database, so a database outage
    never gets healthy processes restarted. /readyz checks every dependency and answers 503
    naming the ones that failed, so traffic is held back until they return.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/healthz":
            return JsonResponse({"status": "ok"})
        if request.path == "/readyz":
            results = run_checks()
            ready = all(result.ok for result in results.values())
            body = {
                "status": "ready" if ready else "unavailable",
                "checks": {name: result.as_dict() for name, result in results.items()},
            }
            response = JsonResponse(body, status=200 if ready else 503)
            response["Cache-Control"] = "no-store"
            return response
        return self.get_response(request)
