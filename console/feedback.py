"""How the console words a refused action."""

from django.contrib import messages
from django.http import HttpRequest


def report_refusal(request: HttpRequest, refused: Exception) -> None:
    """Shows why a service refused (a ValidationError's messages, or the exception's text)."""
    messages.error(request, " ".join(getattr(refused, "messages", [str(refused)])))
