"""The file's screen in Chromium (issue 9): a typed note is never lost (it saves itself, says so,
retries on a network error, and travels with Forward and Park), the action bar does not move
under the pointer, dates are typed day/month/year, Urdu keeps mixed lines and note numbers in
order, and a phone scrolls the menus and tabs instead of cutting them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import Browser, Page, expect
from pytest_django import DjangoDbBlocker

from accounts.models import User
from eoffice.models import File, Note
from eoffice.services import files, movement, notes, receipts
from tests.browser.test_sign_in import sign_in
from tests.conftest import World, make_test_tenant
from tests.eoffice.chart import ORIGIN, Chart, build_chart, file_details, receipt_details

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


@dataclass
class Screens:
    chart: Chart
    host: str
    schema: str
    files: dict[str, File]


@pytest.fixture(scope="module")
def screens(world: World, django_db_blocker: DjangoDbBlocker) -> Iterator[Screens]:
    """A tenant of its own, committed so the server's threads see it: a file for each test."""
    with django_db_blocker.unblock():
        made = make_test_tenant(subdomain="screens", name="Test Screens", partner=None, officers=0)
        with schema_context(made.tenant.schema_name):
            chart = build_chart("screens.example", passwords=True)
            so, ds, sob = chart.desk("so"), chart.desk("ds"), chart.desk("sob")
            made_files = {
                name: files.open_file(
                    desk=so, details=file_details(chart, subject=f"File for {name}"), origin=ORIGIN
                )
                for name in ("typed", "park", "retry", "bar")
            }
            # The bar's file came back from DS: Forward, Return, Park and Close are all offered.
            bar = made_files["bar"]
            movement.forward(
                desk=so, item_id=bar.pk, to_post_id=chart.post("DS(Admin)").pk, origin=ORIGIN
            )
            movement.forward(
                desk=ds, item_id=bar.pk, to_post_id=chart.post("SO(Admin)").pk, origin=ORIGIN
            )
            # An Urdu-speaking section officer's file: a signed note, a letter in its pages.
            receipt = receipts.register_receipt(
                desk=sob, details=receipt_details(chart, subject="Budget letter"), origin=ORIGIN
            )
            urdu = receipts.put_in_file(
                desk=sob,
                receipt_id=receipt.pk,
                new_file=file_details(chart, subject="Budget 2027"),
                origin=ORIGIN,
            )
            notes.save_draft(desk=sob, file_id=urdu.pk, body="پہلا نوٹ۔", origin=ORIGIN)
            movement.forward(
                desk=sob, item_id=urdu.pk, to_post_id=chart.post("DS(Admin)").pk, origin=ORIGIN
            )
            movement.send_back(desk=ds, item_id=urdu.pk, origin=ORIGIN)
            made_files["urdu"] = urdu
            User.objects.filter(pk=chart.officers["sob"].pk).update(language="ur")
    yield Screens(chart=chart, host=made.host, schema=made.tenant.schema_name, files=made_files)


def _page(browser: Browser, screens: Screens, port: int, email: str, **context: object) -> Page:
    options: dict[str, object] = {"viewport": {"width": 1366, "height": 768}, "locale": "en-US"}
    options.update(context)
    page = browser.new_context(**options).new_page()
    page.goto(f"http://{screens.host}:{port}/accounts/login/")
    sign_in(page, email)
    expect(page.locator("main h1")).to_be_visible()
    return page


def _url(screens: Screens, port: int, name: str) -> str:
    return f"http://{screens.host}:{port}/items/{screens.files[name].pk}/"


def _notes(screens: Screens, name: str) -> list[tuple[str, str]]:
    """What the server committed, read from a thread of its own (Playwright's event loop makes
    this thread async to Django)."""

    def read() -> list[tuple[str, str]]:
        try:
            with schema_context(screens.schema):
                return list(
                    Note.objects.filter(file_id=screens.files[name].pk).values_list(
                        "status", "body"
                    )
                )
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(read).result()


def test_a_typed_note_saves_itself_and_is_signed_when_forwarded_without_saving(
    screens: Screens, server_port: int, browser: Browser
) -> None:
    page = _page(browser, screens, server_port, "so@screens.example")
    page.goto(_url(screens, server_port, "typed"))
    box = page.get_by_label("Note", exact=True)
    status = page.locator("[data-draft-status]")
    box.fill("The estimate is within the sanctioned budget.")
    expect(status).to_contain_text(re.compile(r"Saved at \d\d:\d\d"))
    assert _notes(screens, "typed") == [("draft", "The estimate is within the sanctioned budget.")]
    # More typed and, at once, Forward → Send: no "Save draft", no time for the autosave.
    box.press_sequentially(" Submitted for approval.")
    page.get_by_role("button", name="Forward", exact=True).click()
    choice = page.locator("#panel-forward [data-note-choice]")
    expect(choice).to_be_visible()
    expect(choice).to_contain_text("Submitted for approval.")
    expect(choice.get_by_label("Sign it and send it with the file")).to_be_checked()
    page.get_by_label("To post").select_option(label="DS(Admin) · Deputy Secretary (Admin)")
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".message-success")).to_contain_text("to DS(Admin)")
    assert _notes(screens, "typed") == [
        ("sent", "The estimate is within the sanctioned budget. Submitted for approval.")
    ]


def test_a_typed_note_is_kept_as_the_draft_when_the_file_is_parked(
    screens: Screens, server_port: int, browser: Browser
) -> None:
    page = _page(browser, screens, server_port, "so@screens.example")
    page.goto(_url(screens, server_port, "park"))
    # The choices of the Forward panel appear as soon as there is a note, with no reload.
    page.get_by_role("button", name="Forward", exact=True).click()
    expect(
        page.get_by_label("Send it as a draft, for the receiver to edit or approve")
    ).to_be_hidden()
    page.get_by_label("Note", exact=True).press_sequentially("Park this with me.")
    expect(
        page.get_by_label("Send it as a draft, for the receiver to edit or approve")
    ).to_be_visible()
    page.get_by_role("button", name="Park").click()
    expect(page.locator(".message-success")).to_contain_text("Parked")
    expect(page.get_by_label("Note", exact=True)).to_have_value("Park this with me.")
    assert _notes(screens, "park") == [("draft", "Park this with me.")]


def test_the_draft_says_not_saved_and_retries_when_the_network_fails(
    screens: Screens, server_port: int, browser: Browser
) -> None:
    page = _page(browser, screens, server_port, "so@screens.example")
    page.goto(_url(screens, server_port, "retry"))
    page.route("**/items/*/note/", lambda route: route.abort("internetdisconnected"))
    page.get_by_label("Note", exact=True).fill("Typed while offline.")
    status = page.locator("[data-draft-status]")
    expect(status).to_contain_text("Not saved, retrying")
    page.unroute("**/items/*/note/")
    expect(status).to_contain_text(re.compile(r"Saved at \d\d:\d\d"), timeout=15_000)
    assert _notes(screens, "retry") == [("draft", "Typed while offline.")]


def _boxes(page: Page) -> list[tuple[str, Any]]:
    buttons = page.locator(".action-row button")
    return [
        (buttons.nth(i).inner_text(), buttons.nth(i).bounding_box()) for i in range(buttons.count())
    ]


def test_the_action_bar_stays_where_it_was_when_a_panel_opens(
    screens: Screens, server_port: int, browser: Browser
) -> None:
    page = _page(browser, screens, server_port, "so@screens.example")
    page.goto(_url(screens, server_port, "bar"))
    before = _boxes(page)
    assert [name for name, _ in before] == ["Forward", "Return to DS(Admin)", "Park", "Close file"]
    for name, panel in [
        ("Forward", "#panel-forward"),
        ("Return to DS(Admin)", "#panel-return"),
        ("Close file", "#panel-close"),
    ]:
        button = page.get_by_role("button", name=name, exact=True)
        expect(button).to_have_attribute("aria-expanded", "false")
        expect(button).to_have_attribute("aria-controls", panel[1:])
        button.click()
        expect(button).to_have_attribute("aria-expanded", "true")
        expect(page.locator(panel)).to_be_visible()
        assert _boxes(page) == before, f"the bar moved when {name} opened"
        # The panel opens below the bar, not inside it.
        bar_bottom = page.locator(".action-row").bounding_box()
        panel_top = page.locator(panel).bounding_box()
        assert bar_bottom and panel_top
        assert panel_top["y"] >= bar_bottom["y"] + bar_bottom["height"]
    expect(page.locator("#panel-forward")).to_be_hidden()  # one panel open at a time
    page.get_by_role("button", name="Close file").click()
    expect(page.locator("#panel-close")).to_be_hidden()
    assert _boxes(page) == before


def _past_day_that_reads_differently_month_first() -> date:
    day = timezone.localdate() - timedelta(days=1)
    while day.day > 12 or day.day == day.month:
        day -= timedelta(days=1)
    return day


def test_dates_are_typed_day_month_year_whatever_the_browsers_locale(
    screens: Screens, server_port: int, browser: Browser
) -> None:
    page = _page(browser, screens, server_port, "so@screens.example", locale="en-US")
    page.goto(f"http://{screens.host}:{server_port}/receipts/new/")
    letter_date = page.get_by_label("Letter date")
    expect(letter_date).to_have_attribute("type", "text")
    expect(letter_date).to_have_attribute("placeholder", "dd/mm/yyyy")
    expect(page.get_by_label("Received on")).to_have_value(
        timezone.localdate().strftime("%d/%m/%Y")
    )
    day = _past_day_that_reads_differently_month_first()
    page.get_by_label("Physical").check()
    page.get_by_label("Sender", exact=True).fill("Finance Department")
    letter_date.fill(day.strftime("%d/%m/%Y"))
    page.get_by_label("Subject").fill("Dated day first")
    page.get_by_label("Category").select_option(index=1)
    page.get_by_role("button", name="Register").click()
    expect(page.locator(".message-success")).to_contain_text("Receipt registered")
    facts = page.locator(".facts")
    expect(facts).to_contain_text(f"{day.day} {day:%b} {day.year}")


RECT = """([selector, text]) => {
  const root = document.querySelector(selector);
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf(text);
    if (at < 0) continue;
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + text.length);
    const r = range.getBoundingClientRect();
    return {left: r.left, right: r.right};
  }
  return null;
}"""


def _x(page: Page, selector: str, text: str) -> dict[str, float]:
    rect = page.evaluate(RECT, [selector, text])
    assert rect, f"{text!r} is not in {selector}"
    return rect


def test_urdu_keeps_mixed_lines_and_note_numbers_in_order(
    screens: Screens, server_port: int, browser: Browser
) -> None:
    page = _page(browser, screens, server_port, "sob@screens.example")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.goto(_url(screens, server_port, "urdu"))
    # Note 1 reads "1." (the full stop after the number), not ".1".
    number = ".note-sent .note-number"
    expect(page.locator(number).first).to_have_text("1.")
    assert _x(page, number, ".")["left"] >= _x(page, number, "1")["right"] - 0.5
    # "SO(Budget) · 2 دسمبر 2026": the post first (rightmost), then the whole date after it.
    line = ".correspondence .entry .small"
    text = page.locator(line).first.inner_text()
    post, date_text = (part.strip() for part in text.split("·"))
    assert post == "SO(Budget)"
    day, *_, year = date_text.split()
    assert re.search(r"[\u0600-\u06ff]", date_text), date_text  # the month is in Urdu
    post_box = _x(page, line, post)
    for part in (day, year):
        assert _x(page, line, part)["right"] <= post_box["left"] + 0.5, (part, date_text)


def _strip(page: Page, selector: str) -> dict[str, Any]:
    return page.evaluate(
        """(selector) => {
          const el = document.querySelector(selector);
          const box = el.getBoundingClientRect();
          const current = el.querySelector("[aria-current='page']");
          const c = current ? current.getBoundingClientRect() : box;
          return {left: box.left, right: box.right, overflow: getComputedStyle(el).overflowX,
                  scrollWidth: el.scrollWidth, clientWidth: el.clientWidth,
                  currentLeft: c.left, currentRight: c.right,
                  page: document.documentElement.scrollWidth, viewport: window.innerWidth};
        }""",
        selector,
    )


def _scrolls_not_clipped(page: Page, selector: str) -> None:
    state = _strip(page, selector)
    assert state["left"] >= -0.5 and state["right"] <= state["viewport"] + 0.5, (selector, state)
    assert state["page"] <= state["viewport"], (selector, state)  # nothing runs off the page
    if state["scrollWidth"] > state["clientWidth"]:
        assert state["overflow"] in {"auto", "scroll"}, (selector, state)
    # The current menu entry or tab is in full view, not cut at the screen's edge...
    assert state["currentLeft"] >= state["left"] - 1, (selector, state)
    assert state["currentRight"] <= state["right"] + 1, (selector, state)
    # ...and every other one can be scrolled to, the last included.
    last = page.locator(f"{selector} > :is(a, button, form)").last
    last.scroll_into_view_if_needed()
    edge = last.bounding_box()
    strip = page.locator(selector).bounding_box()
    assert edge and strip
    assert (
        edge["x"] >= strip["x"] - 1
        and edge["x"] + edge["width"] <= strip["x"] + strip["width"] + 0.5
    ), (selector, edge, strip)


@pytest.mark.parametrize("email", ["ds@screens.example", "sob@screens.example"], ids=["en", "ur"])
def test_a_phone_scrolls_the_menus_and_tray_tabs_instead_of_cutting_them(
    screens: Screens, server_port: int, browser: Browser, email: str
) -> None:
    page = _page(
        browser,
        screens,
        server_port,
        email,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    base = f"http://{screens.host}:{server_port}"
    # The last tray and the last menu entry: the current ones lie past the screen's edge.
    page.goto(f"{base}/inbox/?tray=closed")
    for selector in (".mainnav", ".usermenu", ".tabs"):
        _scrolls_not_clipped(page, selector)
    page.goto(f"{base}/directory/")
    _scrolls_not_clipped(page, ".mainnav")
