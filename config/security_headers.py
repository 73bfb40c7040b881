"""Headers every response carries: a Content-Security-Policy, and no-store on private pages."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


def policy_header(directives: dict[str, list[str]]) -> str:
    return "; ".join(" ".join([name, *sources]) for name, sources in directives.items())


class ContentSecurityPolicyMiddleware:
    """Sends settings.SECURE_CSP as the Content-Security-Policy of every response.

    Our own few lines rather than django-csp: no template has an inline script (static/js holds
    them), so the policy is one fixed header with no nonces to generate and nothing for a library
    to do. SECURE_CSP has the shape of Django 6.0's setting of that name, so the upgrade swaps
    this class for django.middleware.csp.ContentSecurityPolicyMiddleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Django's own debug pages (DEBUG only, never in production) are inline scripts and
        # styles; under the policy they would be unreadable.
        if settings.DEBUG and response.status_code in {404, 500}:
            return response
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy_header(settings.SECURE_CSP)
        return response


class PrivatePagesMiddleware:
    """Tells browsers and caches never to store a page rendered for a signed-in person.

    A shared office computer's back button, disk cache or a proxy must not show an officer's
    files to the next user after sign-out. Anonymous pages (sign-in, apply) keep their defaults.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response
