"""Collection through Stripe, against localstripe with the real `stripe` library: an invoice per
finalised invoice with its lines added in batches (add_lines), idempotency keys on the wire, no
second charge or line on a re-run, Stripe unreachable, a declined card, a void."""

from __future__ import annotations

import datetime
import socket
from typing import Any

import pytest
import stripe
from django.core.exceptions import ValidationError

from billing.models import BillingEvent, Invoice, PaymentMethod
from billing.selectors.payment_methods import payment_methods_of
from billing.services.collection import (
    LINES_PER_CALL,
    send_invoice_to_stripe,
    sync_invoice_from_stripe,
    void_in_stripe,
)
from billing.services.payment_methods import remove, set_default
from billing.stripe_api import CountingHTTPClient, client, metadata_of, recording
from billing.tasks.collection import collect_invoice
from tests.billing.stripe_fixtures import (
    FAILING_CARD,
    add_card,
    finalised_invoice,
    new_partner,
)
from tests.conftest import World

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings")]


def stripe_objects(customer_id: str) -> tuple[list[Any], list[Any]]:
    """Every invoice of the customer and every invoice item Stripe holds for it (the lines of
    each invoice, every page, and the items pending on the customer)."""
    stripe_client = client()
    invoices = list(stripe_client.v1.invoices.list(params={"customer": customer_id}).data)
    items = [
        line
        for invoice in invoices
        for line in stripe_client.v1.invoices.line_items.list(
            invoice.id, params={"limit": 100}
        ).auto_paging_iter()
    ]
    pending = list(stripe_client.v1.invoice_items.list(params={"customer": customer_id}).data)
    return invoices, items + pending


def test_each_line_becomes_an_item_and_the_invoice_is_charged(world: World) -> None:
    partner = new_partner()
    add_card(partner)
    invoice = finalised_invoice(partner=partner, tenant=world.punjab.tenant, tax_minor=1_000)

    sent = send_invoice_to_stripe(invoice_id=invoice.pk)

    assert sent.state == Invoice.State.PAID
    assert sent.paid_at is not None
    assert sent.stripe_status == "paid"
    assert sent.stripe_hosted_url.startswith("https://")
    lines = list(sent.lines.all())
    assert all(line.stripe_item_id.startswith("ii_") for line in lines)
    remote = client().v1.invoices.retrieve(sent.stripe_invoice_id)
    assert remote.total == invoice.total_minor == 150_000 + 4_250 + 1_000
    assert metadata_of(remote)["invoice_id"] == str(invoice.pk)
    # localstripe names the item as API versions before 2025-03-31 did (`invoice_item`).
    by_item = {line["invoice_item"]: line for line in remote.to_dict()["lines"]["data"]}
    for line in lines:
        assert by_item[line.stripe_item_id]["amount"] == line.amount_minor
    actions = set(BillingEvent.objects.filter(invoice=invoice).values_list("action", flat=True))
    assert {"stripe.send_started", "stripe.invoice_created", "invoice.paid"} <= actions


def test_the_library_sends_our_idempotency_keys_and_collection_parameters(world: World) -> None:
    partner = new_partner()
    card = add_card(partner)
    invoice = finalised_invoice(partner=partner, tenant=world.punjab.tenant)
    line_ids = list(invoice.lines.values_list("pk", flat=True))

    with recording() as sent:
        send_invoice_to_stripe(invoice_id=invoice.pk)

    posts = [request for request in sent if request.method == "POST"]
    base = f"inv{invoice.pk}-{invoice.total_minor}"
    invoice.refresh_from_db()
    remote_id = invoice.stripe_invoice_id
    assert [(request.path, request.idempotency_key) for request in sent] == [
        ("/v1/invoices", f"{base}-invoice"),
        (f"/v1/invoices/{remote_id}/add_lines", f"{base}-lines{line_ids[0]}-{line_ids[-1]}"),
        (f"/v1/invoices/{remote_id}/pay", f"{base}-pay-{card.stripe_id}"),
    ]
    created, added, _ = posts
    assert created.params["collection_method"] == "charge_automatically"
    assert created.params["pending_invoice_items_behavior"] == "exclude"
    assert created.params["auto_advance"] == "false"
    assert created.params["currency"] == "pkr"
    assert created.params["metadata[invoice_id]"] == str(invoice.pk)
    for index, pk in enumerate(line_ids):
        assert added.params[f"lines[{index}][metadata][line_id]"] == str(pk)
        assert added.params[f"lines[{index}][metadata][invoice_id]"] == str(invoice.pk)
        assert int(added.params[f"lines[{index}][period][end]"]) > int(
            added.params[f"lines[{index}][period][start]"]
        )
    assert f"lines[{len(line_ids)}][amount]" not in added.params  # no tax line at 0 tax
    assert all(request.headers["Stripe-Version"] == "2026-10-28.endive" for request in sent)
    # Create, one add_lines, pay: three calls for the invoice, whatever its lines.
    assert len(sent) == 3


def test_120_lines_go_in_three_batches_with_the_tax_as_one_more_line(world: World) -> None:
    partner = new_partner()
    card = add_card(partner)
    amounts = tuple(1_000 + n for n in range(120))
    invoice = finalised_invoice(
        partner=partner, tenant=world.punjab.tenant, amounts=amounts, tax_minor=777
    )
    line_ids = list(invoice.lines.order_by("position").values_list("pk", flat=True))

    with recording() as sent:
        paid = send_invoice_to_stripe(invoice_id=invoice.pk)

    assert paid.state == Invoice.State.PAID
    base = f"inv{invoice.pk}-{invoice.total_minor}"
    added = [request for request in sent if request.path.endswith("/add_lines")]
    assert LINES_PER_CALL == 50
    assert [request.idempotency_key for request in added] == [
        f"{base}-lines{line_ids[0]}-{line_ids[49]}",
        f"{base}-lines{line_ids[50]}-{line_ids[99]}",
        f"{base}-lines{line_ids[100]}-tax",
    ]
    sizes = [
        len({key.split("]")[0] for key in request.params if key.startswith("lines[")})
        for request in added
    ]
    assert sizes == [50, 50, 21]
    last = added[-1].params
    assert last["lines[20][metadata][kind]"] == "tax"
    assert last["lines[20][amount]"] == "777"
    # The returned invoice shows its first lines only: one paginated read finds the rest.
    reads = [request for request in sent if request.method == "GET"]
    assert all(request.path.endswith("/lines") for request in reads)
    assert len(reads) == 2  # 121 lines, 100 a page
    assert len(sent) == 1 + 3 + 2 + 1
    assert [r.idempotency_key for r in sent][-1] == f"{base}-pay-{card.stripe_id}"

    remote = client().v1.invoices.retrieve(paid.stripe_invoice_id)
    assert remote.amount_paid == invoice.total_minor == sum(amounts) + 777
    _, items = stripe_objects(partner.billing_account.stripe_customer_id)
    by_line = {metadata_of(item).get("line_id"): item for item in items}
    assert len(items) == 121
    for line in paid.lines.all():
        assert line.stripe_item_id == by_line[str(line.pk)].invoice_item
        assert by_line[str(line.pk)].amount == line.amount_minor


def crash_after(requests: int) -> Any:
    """The process dies after the Nth request reached Stripe (Stripe acted; we never heard)."""
    original = CountingHTTPClient.request
    left = [requests]

    def request(http: CountingHTTPClient, *args: Any, **kwargs: Any) -> Any:
        answer = original(http, *args, **kwargs)
        left[0] -= 1
        if left[0] <= 0:
            raise SystemExit("worker killed")
        return answer

    return request


@pytest.mark.parametrize(
    ("lines", "requests"),
    # 2 lines + tax: create, add_lines, pay. 120 lines + tax: create, 3 add_lines, reads of
    # the lines (2 pages), pay.
    [(2, k) for k in (1, 2, 3)] + [(120, k) for k in (1, 2, 3, 4, 5, 6, 7)],
)
def test_a_run_killed_midway_and_run_again_charges_once(
    world: World, monkeypatch: pytest.MonkeyPatch, lines: int, requests: int
) -> None:
    partner = new_partner()
    add_card(partner)
    amounts = tuple(1_000 + n for n in range(lines))
    invoice = finalised_invoice(
        partner=partner, tenant=world.punjab.tenant, amounts=amounts, tax_minor=500
    )
    customer = partner.billing_account.stripe_customer_id

    monkeypatch.setattr(CountingHTTPClient, "request", crash_after(requests))
    with pytest.raises(SystemExit):
        send_invoice_to_stripe(invoice_id=invoice.pk)
    monkeypatch.undo()
    invoice.refresh_from_db()
    assert invoice.state == Invoice.State.FINALISED

    paid = send_invoice_to_stripe(invoice_id=invoice.pk)
    again = send_invoice_to_stripe(invoice_id=invoice.pk)

    assert paid.state == again.state == Invoice.State.PAID
    invoices, items = stripe_objects(customer)
    assert [remote.status for remote in invoices] == ["paid"]
    assert invoices[0].amount_paid == invoice.total_minor
    names = sorted(metadata_of(item).get("line_id", "tax") for item in items)
    assert names == sorted([*(str(pk) for pk in invoice.lines.values_list("pk", flat=True)), "tax"])
    intents = {remote.payment_intent for remote in invoices}
    assert len(intents) == 1
    by_line = {metadata_of(item).get("line_id"): item.invoice_item for item in items}
    for line in paid.lines.all():
        assert line.stripe_item_id == by_line[str(line.pk)]


def test_a_rerun_of_a_paid_invoice_makes_no_request_at_all(world: World) -> None:
    partner = new_partner()
    add_card(partner)
    invoice = finalised_invoice(partner=partner, tenant=world.punjab.tenant)
    send_invoice_to_stripe(invoice_id=invoice.pk)

    with recording() as sent:
        send_invoice_to_stripe(invoice_id=invoice.pk)

    assert sent == []


def test_stripe_unreachable_leaves_the_invoice_finalised_and_a_later_run_sends_it(
    world: World, settings: Any
) -> None:
    partner = new_partner()
    add_card(partner)
    invoice = finalised_invoice(partner=partner, tenant=world.punjab.tenant)
    working = settings.STRIPE_API_BASE
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        settings.STRIPE_API_BASE = f"http://127.0.0.1:{closed.getsockname()[1]}"
        with pytest.raises(stripe.APIConnectionError):
            send_invoice_to_stripe(invoice_id=invoice.pk)

    invoice.refresh_from_db()
    assert invoice.state == Invoice.State.FINALISED
    assert invoice.stripe_invoice_id == ""
    assert not invoice.lines.exclude(stripe_item_id="").exists()
    # The task waits such errors out, with backoff.
    assert stripe.APIConnectionError in collect_invoice.autoretry_for
    assert collect_invoice.retry_backoff

    settings.STRIPE_API_BASE = working
    assert send_invoice_to_stripe(invoice_id=invoice.pk).state == Invoice.State.PAID


def test_a_declined_card_leaves_the_invoice_open_until_a_good_card_pays_it(world: World) -> None:
    partner = new_partner()
    failing = add_card(partner, FAILING_CARD)
    assert failing.is_default  # attaching the card worked; only charging fails
    invoice = finalised_invoice(partner=partner, tenant=world.punjab.tenant)

    declined = send_invoice_to_stripe(invoice_id=invoice.pk)

    assert declined.state == Invoice.State.FINALISED
    assert declined.stripe_status == "open"
    assert declined.payment_failed_at is not None
    assert BillingEvent.objects.filter(invoice=invoice, action="stripe.payment_failed").exists()
    # The same card again: Stripe's answer to the same key is replayed, no second attempt.
    assert send_invoice_to_stripe(invoice_id=invoice.pk).state == Invoice.State.FINALISED
    assert client().v1.invoices.retrieve(declined.stripe_invoice_id).attempt_count == 1

    good = add_card(partner)
    assert not good.is_default
    set_default(partner=partner, payment_method_id=good.pk, actor="billing@partner")
    paid = send_invoice_to_stripe(invoice_id=invoice.pk)

    assert paid.state == Invoice.State.PAID
    assert payment_methods_of(partner).first() == good


def test_without_a_card_the_invoice_waits_in_stripe_and_a_void_deletes_that_draft(
    world: World,
) -> None:
    partner = new_partner()
    invoice = finalised_invoice(partner=partner, tenant=world.punjab.tenant)
    waiting = send_invoice_to_stripe(invoice_id=invoice.pk)
    assert waiting.state == Invoice.State.FINALISED
    assert BillingEvent.objects.filter(
        invoice=invoice, action="stripe.awaiting_payment_method"
    ).exists()

    Invoice.objects.filter(pk=invoice.pk).update(state=Invoice.State.VOID)  # the ledger's void
    voided = void_in_stripe(invoice_id=invoice.pk)

    # Stripe voids only finalised invoices: a draft that was never payable is deleted.
    assert voided.stripe_status == "deleted"
    with pytest.raises(stripe.InvalidRequestError):
        client().v1.invoices.retrieve(voided.stripe_invoice_id)
    assert BillingEvent.objects.filter(invoice=invoice, action="stripe.draft_deleted").count() == 1
    assert void_in_stripe(invoice_id=invoice.pk).stripe_status == "deleted"  # idempotent
    assert BillingEvent.objects.filter(invoice=invoice, action="stripe.draft_deleted").count() == 1


def test_an_open_invoice_past_its_due_date_becomes_overdue(world: World) -> None:
    partner = new_partner()
    add_card(partner, FAILING_CARD)
    invoice = finalised_invoice(
        partner=partner,
        tenant=world.punjab.tenant,
        due_on=datetime.date.today() - datetime.timedelta(days=1),
    )
    send_invoice_to_stripe(invoice_id=invoice.pk)
    invoice.refresh_from_db()

    synced = sync_invoice_from_stripe(invoice=invoice)

    assert synced.state == Invoice.State.OVERDUE


def test_a_partner_cannot_use_or_remove_another_partners_cards(world: World) -> None:
    mine, theirs = new_partner("mine"), new_partner("theirs")
    their_card = add_card(theirs)
    with pytest.raises(PaymentMethod.DoesNotExist):
        set_default(partner=mine, payment_method_id=their_card.pk, actor="x")
    with pytest.raises(PaymentMethod.DoesNotExist):
        remove(partner=mine, payment_method_id=their_card.stripe_id, actor="x")
    from billing.services.payment_methods import record_setup, start_card_setup

    their_intent = start_card_setup(partner=theirs, actor="x").split("_secret_")[0]
    with pytest.raises(ValidationError):
        record_setup(partner=mine, setup_intent_id=their_intent, actor="x")
    assert list(payment_methods_of(mine)) == []


def test_the_only_card_cannot_be_removed_while_an_invoice_is_unpaid(world: World) -> None:
    partner = new_partner()
    card = add_card(partner, FAILING_CARD)
    invoice = finalised_invoice(partner=partner, tenant=world.punjab.tenant)
    send_invoice_to_stripe(invoice_id=invoice.pk)

    with pytest.raises(ValidationError):
        remove(partner=partner, payment_method_id=card.pk, actor="billing@partner")

    other = add_card(partner)
    removed = remove(partner=partner, payment_method_id=card.pk, actor="billing@partner")
    assert removed.detached_at is not None
    assert PaymentMethod.objects.filter(pk=card.pk).exists()  # kept, never deleted
    assert [c.pk for c in payment_methods_of(partner)] == [other.pk]
    other.refresh_from_db()
    assert other.is_default
    assert BillingEvent.objects.filter(partner=partner, action="payment_method.removed").exists()


def test_items_pending_on_the_customer_stay_out_of_our_invoice(world: World) -> None:
    partner = new_partner()
    add_card(partner)
    customer = partner.billing_account.stripe_customer_id
    # Something else left a pending item on the customer: our invoice must not take it.
    foreign = client().v1.invoice_items.create(
        params={"customer": customer, "amount": 999, "currency": "pkr"}
    )
    invoice = finalised_invoice(partner=partner, tenant=world.punjab.tenant)

    paid = send_invoice_to_stripe(invoice_id=invoice.pk)

    assert paid.state == Invoice.State.PAID
    remote = client().v1.invoices.retrieve(paid.stripe_invoice_id)
    assert remote.amount_paid == invoice.total_minor
    pending = client().v1.invoice_items.list(params={"customer": customer}).data
    assert [item.id for item in pending] == [foreign.id]


def test_stripe_asking_another_amount_than_ours_is_never_charged(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    partner = new_partner()
    add_card(partner)
    invoice = finalised_invoice(partner=partner, tenant=world.punjab.tenant)
    monkeypatch.setattr(CountingHTTPClient, "request", crash_after(1))  # the draft, no lines
    with pytest.raises(SystemExit):
        send_invoice_to_stripe(invoice_id=invoice.pk)
    monkeypatch.undo()
    customer = partner.billing_account.stripe_customer_id
    (draft,) = client().v1.invoices.list(params={"customer": customer}).data
    # Someone else adds a line to our draft in Stripe meanwhile.
    client().v1.invoices.add_lines(
        draft.id, params={"lines": [{"amount": 999, "description": "not ours"}]}
    )

    with pytest.raises(RuntimeError, match="not charging"):
        send_invoice_to_stripe(invoice_id=invoice.pk)

    invoice.refresh_from_db()
    assert invoice.state == Invoice.State.FINALISED
    assert invoice.stripe_invoice_id == draft.id
    remote = client().v1.invoices.retrieve(draft.id)
    assert remote.status == "draft"
    assert remote.amount_due == invoice.total_minor + 999
    assert BillingEvent.objects.filter(invoice=invoice, action="stripe.total_mismatch").exists()


def test_a_void_after_a_run_died_before_recording_the_stripe_invoice_voids_it(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    partner = new_partner()
    add_card(partner)
    invoice = finalised_invoice(partner=partner, tenant=world.punjab.tenant)
    monkeypatch.setattr(CountingHTTPClient, "request", crash_after(2))  # draft and its lines
    with pytest.raises(SystemExit):
        send_invoice_to_stripe(invoice_id=invoice.pk)
    monkeypatch.undo()
    customer = partner.billing_account.stripe_customer_id
    invoice.refresh_from_db()
    assert invoice.stripe_invoice_id  # recorded the moment it existed
    assert client().v1.invoice_items.list(params={"customer": customer}).data == []

    Invoice.objects.filter(pk=invoice.pk).update(state=Invoice.State.VOID)  # the ledger's void
    voided = void_in_stripe(invoice_id=invoice.pk)
    void_in_stripe(invoice_id=invoice.pk)

    # The run died before paying: the Stripe invoice is a draft, which Stripe deletes (it
    # voids only finalised ones); once, however often the void runs.
    assert voided.stripe_status == "deleted"
    with pytest.raises(stripe.InvalidRequestError):
        client().v1.invoices.retrieve(invoice.stripe_invoice_id)
    assert BillingEvent.objects.filter(invoice=invoice, action="stripe.draft_deleted").count() == 1


def test_a_void_finds_a_stripe_invoice_made_but_never_recorded(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    partner = new_partner()
    add_card(partner)
    invoice = finalised_invoice(partner=partner, tenant=world.punjab.tenant)
    monkeypatch.setattr(CountingHTTPClient, "request", crash_after(1))  # made, not recorded
    with pytest.raises(SystemExit):
        send_invoice_to_stripe(invoice_id=invoice.pk)
    monkeypatch.undo()
    invoice.refresh_from_db()
    assert invoice.stripe_invoice_id == ""

    Invoice.objects.filter(pk=invoice.pk).update(state=Invoice.State.VOID)  # the ledger's void
    voided = void_in_stripe(invoice_id=invoice.pk)

    assert voided.stripe_invoice_id
    assert voided.stripe_status == "deleted"  # found by its metadata; a draft, so deleted
    customer = partner.billing_account.stripe_customer_id
    assert client().v1.invoices.list(params={"customer": customer}).data == []


def test_a_new_default_card_queues_the_collection_of_unpaid_invoices(
    world: World, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    partner = new_partner()
    invoice = finalised_invoice(partner=partner, tenant=world.punjab.tenant)
    queued: list[int] = []
    monkeypatch.setattr("billing.tasks.collection.queue_collection", queued.append)

    with django_capture_on_commit_callbacks(execute=True):
        add_card(partner)

    assert queued == [invoice.pk]


def test_two_invoices_of_a_partner_never_take_each_others_lines(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    partner = new_partner()
    add_card(partner)
    october = finalised_invoice(partner=partner, tenant=world.punjab.tenant)
    november = finalised_invoice(
        partner=partner,
        tenant=world.punjab.tenant,
        amounts=(70_000,),
        period_start=datetime.date(2026, 11, 1),
    )
    monkeypatch.setattr(CountingHTTPClient, "request", crash_after(2))  # draft with its lines
    with pytest.raises(SystemExit):
        send_invoice_to_stripe(invoice_id=october.pk)
    monkeypatch.undo()

    # November does not wait for October: its own invoice takes only its own line.
    assert send_invoice_to_stripe(invoice_id=november.pk).state == Invoice.State.PAID
    assert send_invoice_to_stripe(invoice_id=october.pk).state == Invoice.State.PAID
    for invoice in (october, november):
        invoice.refresh_from_db()
        remote = client().v1.invoices.retrieve(invoice.stripe_invoice_id)
        assert remote.amount_paid == invoice.total_minor
        listed = client().v1.invoices.line_items.list(remote.id, params={"limit": 100}).data
        assert {metadata_of(line)["invoice_id"] for line in listed} == {str(invoice.pk)}


def test_recording_the_same_card_setup_twice_changes_nothing(world: World) -> None:
    from billing.services.payment_methods import record_setup

    partner = new_partner()
    card = add_card(partner)
    intent = (
        BillingEvent.objects.filter(partner=partner, action="payment_method.setup_started")
        .get()
        .detail["setup_intent"]
    )

    again = record_setup(partner=partner, setup_intent_id=intent, actor="billing@partner")

    assert again == card
    assert BillingEvent.objects.filter(partner=partner, action="payment_method.added").count() == 1


def test_a_card_the_webhook_cached_first_still_becomes_the_default(world: World) -> None:
    from billing.services.payment_methods import (
        record_setup,
        refresh_payment_methods,
        start_card_setup,
    )

    partner = new_partner()
    intent = start_card_setup(partner=partner, actor="x").split("_secret_")[0]
    stripe = client()
    method = stripe.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"},
        }
    )
    stripe.v1.setup_intents.confirm(intent, params={"payment_method": method.id})
    refresh_payment_methods(partner=partner)  # what payment_method.attached does

    card = record_setup(partner=partner, setup_intent_id=intent, actor="billing@partner")

    assert card.is_default
    customer = stripe.v1.customers.retrieve(partner.billing_account.stripe_customer_id)
    assert customer.invoice_settings.default_payment_method == method.id


def test_the_fake_stripe_adds_lines_to_drafts_only_and_replays_a_key() -> None:
    """localstripe's add_lines, as patched (platform/localstripe_server.py): lines become items
    of that invoice and count in its total; a replayed key adds nothing; a refusal adds
    nothing; an invoice no longer draft takes no lines."""
    from billing.services.payment_methods import ensure_customer

    customer = ensure_customer(partner=new_partner())
    stripe_client = client()
    stripe_client.v1.invoice_items.create(
        params={"customer": customer, "amount": 5, "currency": "pkr"}
    )
    draft = stripe_client.v1.invoices.create(
        params={
            "customer": customer,
            "currency": "pkr",
            "collection_method": "charge_automatically",
            "pending_invoice_items_behavior": "exclude",
            "auto_advance": False,
        }
    )
    assert draft.amount_due == 0 and draft.lines.data == []  # the pending item stays out
    lines = {"lines": [{"amount": 100, "metadata": {"line_id": "1"}}, {"amount": 20}]}

    first = stripe_client.v1.invoices.add_lines(
        draft.id, params=lines, options={"idempotency_key": "fake-add-1"}
    )
    again = stripe_client.v1.invoices.add_lines(
        draft.id, params=lines, options={"idempotency_key": "fake-add-1"}
    )

    assert first.amount_due == again.amount_due == 120
    assert first.currency == "pkr"
    assert [line.amount for line in first.lines.data] == [100, 20]
    assert metadata_of(first.lines.data[0]) == {"line_id": "1"}
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.invoices.add_lines(
            draft.id,
            # The second line ends before it starts: neither is added.
            params={
                "lines": [
                    {"amount": 1},
                    {"amount": 1, "period": {"start": 2_000_000_000, "end": 1_900_000_000}},
                ]
            },
        )
    assert stripe_client.v1.invoices.retrieve(draft.id).amount_due == 120
    stripe_client.v1.invoices.finalize_invoice(draft.id)
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.invoices.add_lines(draft.id, params={"lines": [{"amount": 1}]})
    assert stripe_client.v1.invoices.retrieve(draft.id).amount_due == 120


def test_a_declined_invoice_voided_by_us_is_voided_in_stripe_once(world: World) -> None:
    partner = new_partner()
    add_card(partner, FAILING_CARD)
    invoice = finalised_invoice(partner=partner, tenant=world.punjab.tenant)
    declined = send_invoice_to_stripe(invoice_id=invoice.pk)
    assert client().v1.invoices.retrieve(declined.stripe_invoice_id).status == "open"

    Invoice.objects.filter(pk=invoice.pk).update(state=Invoice.State.VOID)  # the ledger's void
    voided = void_in_stripe(invoice_id=invoice.pk)
    void_in_stripe(invoice_id=invoice.pk)

    assert voided.stripe_status == "void"
    assert client().v1.invoices.retrieve(declined.stripe_invoice_id).status == "void"
    assert BillingEvent.objects.filter(invoice=invoice, action="stripe.invoice_voided").count() == 1


def test_an_invoice_voided_while_its_collection_was_on_its_way_is_never_charged(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A month end re-issues an invoice while a worker is sending the old one: the old one is
    voided between the worker's first read and its payment, and is not charged."""
    partner = new_partner()
    add_card(partner)
    invoice = finalised_invoice(partner=partner, tenant=world.punjab.tenant)
    real_request = CountingHTTPClient.request

    def void_before_paying(self: Any, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        if url.endswith("/pay"):
            raise AssertionError("a voided invoice was charged")
        response = real_request(self, method, url, *args, **kwargs)
        if url.endswith("/add_lines"):
            Invoice.objects.filter(pk=invoice.pk).update(state=Invoice.State.VOID)
        return response

    monkeypatch.setattr(CountingHTTPClient, "request", void_before_paying)
    send_invoice_to_stripe(invoice_id=invoice.pk)

    assert BillingEvent.objects.filter(
        invoice=invoice, action="stripe.payment_skipped_void"
    ).exists()
