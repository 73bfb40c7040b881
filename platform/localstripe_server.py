"""A local fake Stripe for tests and `make run`: localstripe, patched where it differs from the
Stripe API our collection code speaks.

    python platform/localstripe_server.py --port 8420

localstripe (https://github.com/adrienverge/localstripe) implements customers, payment methods,
setup intents, invoice items, invoices (pay, void), failing test cards and signed webhooks. Where
it departs from real Stripe in a way our code depends on, this script patches it, and each patch
is one gap, listed in GAPS below (and in the closing note of issue 10). A patch accepts only the
values our code sends and refuses others with a 400, so the fake never quietly agrees to a
request real Stripe would treat differently.

Nothing is kept on disk: localstripe would pickle its whole store to /tmp/localstripe.pickle on
every write, shared by every server on the machine and slow; each server here starts empty.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any

GAPS = [
    "store: pickled to /tmp/localstripe.pickle on every write (shared, slow) -> kept in memory",
    "invoices: a one-off invoice (no subscription) answered 404 'No upcoming invoices'; "
    "collection_method, auto_advance, pending_invoice_items_behavior and currency refused as "
    "unexpected -> accepted with the values we send (charge_automatically, false, "
    "exclude or include), others 400; with exclude no pending item is swept in",
    "invoices: invoice metadata dropped on create -> kept",
    "invoices: no POST /v1/invoices/{id}/finalize -> added",
    "invoices: no hosted_invoice_url -> set at finalising",
    "invoices: paying with a card that declines answered 200 and sent no webhook -> 402 "
    "card_declined and invoice.payment_failed, as Stripe does; the invoice stays open",
    "invoices: paying a draft did not finalise it (no finalized_at) -> finalised first",
    "invoices: attempt_count 1 and attempted true on a new invoice -> 0 and false until "
    "paid or tried",
    "invoices: voiding an invoice never charged (no payment intent) answered 400 -> voided",
    "events: no invoice.paid, invoice.finalized, invoice.voided, payment_method.attached, "
    "payment_method.detached, setup_intent.succeeded -> sent",
    "idempotency: Idempotency-Key ignored (a retried POST made a second object) -> a replay "
    "of a key answers the first response; the same key with other parameters is refused",
    "invoice items: pending items listed at most 99 per customer -> no limit; `pending` "
    "filter refused -> pending=true accepted (localstripe lists only pending items)",
    "invoices: no POST /v1/invoices/{id}/add_lines -> added: lines[i][amount, description, "
    "metadata, period] each become an invoice item on that draft invoice (in its lines and "
    "totals); refused with 400 for an invoice no longer draft, for other line fields, and "
    "past 250 lines",
    "invoices: GET /v1/invoices/{id}/lines refused starting_after (no pagination) -> paginated",
    "setup intents: confirming did not attach the payment method to the intent's customer "
    "-> attached, as Stripe does",
]


def _patch() -> None:
    from localstripe import resources as r
    from localstripe.errors import UserError
    from localstripe.webhooks import schedule_webhook

    # In memory only (see the module docstring).
    r.Store.dump_to_disk = lambda self: None
    r.Store.try_load_from_disk = lambda self: None

    def _invoice_create(
        cls: Any,
        customer: str | None = None,
        subscription: str | None = None,
        description: str | None = None,
        metadata: dict[str, str] | None = None,
        collection_method: str | None = None,
        auto_advance: Any = None,
        pending_invoice_items_behavior: str | None = None,
        currency: str | None = None,
        **rest: Any,
    ) -> Any:
        one_off = any(
            value is not None
            for value in (collection_method, auto_advance, pending_invoice_items_behavior, currency)
        )
        if not one_off:
            return original_invoice_create(
                customer=customer, subscription=subscription, description=description, **rest
            )
        if subscription is not None or rest:
            raise UserError(400, "localstripe patch: one-off invoices take no other parameters")
        if collection_method != "charge_automatically":
            raise UserError(
                400, "localstripe patch: collection_method must be charge_automatically"
            )
        if str(auto_advance).lower() != "false":
            raise UserError(400, "localstripe patch: auto_advance must be false")
        if pending_invoice_items_behavior not in ("exclude", "include"):
            raise UserError(
                400, "localstripe patch: pending_invoice_items_behavior must be exclude or include"
            )
        if currency is not None and (not isinstance(currency, str) or currency != currency.lower()):
            raise UserError(400, "localstripe patch: currency must be a lower-case ISO code")
        if pending_invoice_items_behavior == "exclude":
            # The constructor sweeps every pending item of the customer in; with exclude,
            # Stripe takes none, so it is shown none (one synchronous call: no other request
            # runs meanwhile).
            listing = r.InvoiceItem.__dict__["_api_list_all"]
            r.InvoiceItem._api_list_all = classmethod(lambda cls, url, **kw: r.List())
            try:
                invoice = cls(customer=customer, description=description, metadata=metadata)
            finally:
                r.InvoiceItem._api_list_all = listing
        else:
            invoice = cls(customer=customer, description=description, metadata=metadata)
        if currency is not None:
            invoice.currency = currency
        invoice.auto_advance = False
        invoice.hosted_invoice_url = None
        # localstripe counts every new invoice as attempted once; Stripe counts payments.
        invoice.attempt_count = 0
        invoice.attempted = False
        return invoice

    original_invoice_create = r.Invoice._api_create
    r.Invoice._api_create = classmethod(_invoice_create)

    def _finalise(invoice: Any) -> None:
        invoice._finalize()
        invoice.hosted_invoice_url = f"https://invoice.localstripe.test/{invoice.id}"
        schedule_webhook(r.Event("invoice.finalized", invoice))

    def finalize_invoice(id: str, auto_advance: Any = None, **rest: Any) -> Any:
        invoice = r.Invoice._api_retrieve(id)
        if invoice.status != "draft":
            raise UserError(400, "This invoice is already finalized")
        _finalise(invoice)
        return invoice

    def add_lines(id: str, lines: Any = None, **rest: Any) -> Any:
        invoice = r.Invoice._api_retrieve(id)
        if rest:
            raise UserError(400, "localstripe patch: add_lines takes only lines")
        if invoice.status != "draft":
            raise UserError(400, "You can only add lines to a draft invoice")
        if not isinstance(lines, list) or not lines:
            raise UserError(400, "lines: a non-empty list is required")
        if len(invoice.lines._list) + len(lines) > 250:
            raise UserError(400, "An invoice can have at most 250 lines")
        # Every line is checked before any is made, so a refusal adds nothing (as Stripe).
        checked = []
        for line in lines:
            if not isinstance(line, dict) or set(line) - {
                "amount",
                "description",
                "metadata",
                "period",
            }:
                raise UserError(
                    400, "localstripe patch: lines take amount, description, metadata, period"
                )
            amount = r.try_convert_to_int(line.get("amount"))
            period = line.get("period") or {}
            start = r.try_convert_to_int(period.get("start")) if period else None
            end = r.try_convert_to_int(period.get("end")) if period else None
            metadata = line.get("metadata") or {}
            description = line.get("description")
            if (
                type(amount) is not int
                or not isinstance(metadata, dict)
                or (description is not None and not isinstance(description, str))
                or (period and (type(start) is not int or type(end) is not int or end < start))
            ):
                raise UserError(400, "Bad request")
            checked.append((amount, description, metadata, start, end))
        for amount, description, metadata, start, end in checked:
            item = r.InvoiceItem(
                invoice=invoice.id,
                amount=amount,
                currency=invoice.currency,
                customer=invoice.customer,
                period_start=start,
                period_end=end,
                description=description,
                metadata=metadata,
            )
            invoice.lines._list.append(r.InvoiceLineItem(item))
        return invoice

    def list_lines(id: str, limit: Any = None, starting_after: Any = None, **rest: Any) -> Any:
        if rest:
            raise UserError(400, "Unexpected " + ", ".join(rest))
        invoice = r.Invoice._api_retrieve(id)
        lines = r.List(f"/v1/invoices/{id}/lines", limit=limit, starting_after=starting_after)
        lines._list = invoice.lines._list
        return lines

    def pay_invoice(id: str, **rest: Any) -> Any:
        invoice = r.Invoice._api_retrieve(id)
        if invoice.status == "paid":
            raise UserError(400, "Invoice is already paid")
        if invoice.status not in ("draft", "open"):
            raise UserError(400, "Bad request")
        if invoice.status == "draft":
            _finalise(invoice)
        if invoice.total <= 0:
            invoice._on_payment_success()
            return invoice
        customer = r.Customer._api_retrieve(invoice.customer)
        method = customer._get_default_payment_method_or_source()
        if method is None:
            raise UserError(400, "This customer has no default payment method")
        invoice.attempt_count += 1
        invoice.attempted = True
        intent = r.PaymentIntent(
            amount=invoice.total,
            currency=invoice.currency,
            customer=invoice.customer,
            payment_method=method.id,
        )
        invoice.payment_intent = intent.id
        intent.invoice = invoice.id
        # Stripe answers a declined charge with 402 card_declined and invoice.payment_failed.
        intent._confirm(on_failure_now=intent._report_failure)
        return invoice

    def void_invoice(id: str, **rest: Any) -> Any:
        invoice = r.Invoice._api_retrieve(id)
        if invoice.status not in ("draft", "open"):
            raise UserError(400, "Only a draft or open invoice can be voided")
        if invoice.payment_intent:
            intent = r.PaymentIntent._api_retrieve(invoice.payment_intent)
            if intent.status != "canceled":
                intent._canceled = True
        invoice._draft = False
        invoice._voided = True
        invoice.status_transitions["voided_at"] = int(time.time())
        schedule_webhook(r.Event("invoice.voided", invoice))
        return invoice

    original_success = r.Invoice._on_payment_success

    def on_payment_success(self: Any) -> None:
        original_success(self)
        schedule_webhook(r.Event("invoice.paid", self))

    r.Invoice._on_payment_success = on_payment_success

    def attach(id: str, customer: str | None = None, **rest: Any) -> Any:
        method = original_attach(id, customer=customer, **rest)
        schedule_webhook(r.Event("payment_method.attached", method))
        return method

    original_attach = r.PaymentMethod._api_attach

    def detach(id: str, **rest: Any) -> Any:
        method = original_detach(id, **rest)
        schedule_webhook(r.Event("payment_method.detached", method))
        return method

    original_detach = r.PaymentMethod._api_detach

    def confirm_setup(id: str, **rest: Any) -> Any:
        intent = original_confirm_setup(id, **rest)
        if intent.status == "succeeded":
            method = r.PaymentMethod._api_retrieve(intent.payment_method)
            if intent.customer and method.customer is None:
                method.customer = intent.customer
                schedule_webhook(r.Event("payment_method.attached", method))
            schedule_webhook(r.Event("setup_intent.succeeded", intent))
        return intent

    original_confirm_setup = r.SetupIntent._api_confirm

    original_item_list = r.InvoiceItem._api_list_all.__func__  # the classmethod's function

    def item_list(
        cls: Any,
        url: Any,
        customer: Any = None,
        limit: Any = None,
        pending: Any = None,
        **rest: Any,
    ) -> Any:
        # localstripe lists pending items only, which is what `pending=true` asks of Stripe.
        if pending is not None and str(pending).lower() != "true":
            raise UserError(400, "localstripe patch: only pending=true is supported")
        return original_item_list(cls, url, customer=customer, limit=10**9, **rest)

    r.InvoiceItem._api_list_all = classmethod(item_list)

    replaced = {
        ("POST", "/v1/invoices/{id}/pay"): pay_invoice,
        ("POST", "/v1/invoices/{id}/void"): void_invoice,
        ("POST", "/v1/payment_methods/{id}/attach"): attach,
        ("POST", "/v1/payment_methods/{id}/detach"): detach,
        ("POST", "/v1/setup_intents/{id}/confirm"): confirm_setup,
        ("GET", "/v1/invoices/{id}/lines"): list_lines,
    }
    # The server module turns this list into routes when it is imported, so the patched
    # functions must be in it before that import.
    r.extra_apis[:] = [
        (method, url, replaced.get((method, url), func)) for method, url, func in r.extra_apis
    ]
    r.extra_apis.insert(0, ("POST", "/v1/invoices/{id}/finalize", finalize_invoice))
    r.extra_apis.insert(0, ("POST", "/v1/invoices/{id}/add_lines", add_lines))


Handler = Callable[[Any], Awaitable[Any]]


def _idempotency_middleware() -> Any:
    """Stripe's idempotency: a POST with a key seen before answers the first response (and
    makes nothing new); the same key with other parameters is an error. As Stripe does, only
    results of requests that ran are kept (successes and declines), not refusals."""
    from aiohttp import web

    seen: dict[str, tuple[str, int, bytes]] = {}

    @web.middleware
    async def middleware(request: Any, handler: Handler) -> Any:
        key = request.headers.get("Idempotency-Key")
        if request.method != "POST" or not key:
            return await handler(request)
        body = await request.read()
        fingerprint = hashlib.sha256(request.path.encode() + b"?" + body).hexdigest()
        if key in seen:
            first_fingerprint, status, text = seen[key]
            if first_fingerprint != fingerprint:
                error = {
                    "error": {
                        "type": "idempotency_error",
                        "message": "Keys for idempotent requests can only be used with the "
                        "same parameters they were first used with.",
                    }
                }
                return web.json_response(error, status=400)
            return web.Response(
                body=text,
                status=status,
                content_type="application/json",
                headers={"Idempotent-Replayed": "true", "Idempotency-Key": key},
            )
        response = await handler(request)
        if response.status < 300 or response.status == 402:
            seen[key] = (fingerprint, response.status, response.body)
        return response

    return middleware


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8420)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--gaps", action="store_true", help="list the patched gaps and exit")
    args = parser.parse_args()
    if args.gaps:
        print("\n".join(f"- {gap}" for gap in GAPS))
        return
    _patch()
    from aiohttp import web
    from localstripe import server

    # Outermost, so it sees the final answer (localstripe turns its errors into responses).
    server.app.middlewares.insert(0, _idempotency_middleware())
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    print(json.dumps({"localstripe": f"http://{args.host}:{args.port}", "at": time.time()}))
    web.run_app(server.app, sock=sock, access_log=None, print=None)


if __name__ == "__main__":
    main()
