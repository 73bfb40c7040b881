/* The e-office pages' behaviour, in a static file (no inline script, for the Content-Security-
   Policy): disclosure panels of the action bar, the note box that saves itself and travels with
   every movement of the file. */
(function () {
  "use strict";

  /* --- Disclosure buttons: a button with aria-controls inside [data-disclosures] opens its
     panel below the bar (never inside it, so no button moves) and closes the others. --- */
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-disclosures] button[aria-controls]");
    if (!button) return;
    var group = button.closest("[data-disclosures]");
    var panel = document.getElementById(button.getAttribute("aria-controls"));
    if (!panel) return;
    var opening = button.getAttribute("aria-expanded") !== "true";
    group.querySelectorAll("button[aria-controls]").forEach(function (other) {
      var otherPanel = document.getElementById(other.getAttribute("aria-controls"));
      other.setAttribute("aria-expanded", "false");
      if (otherPanel) otherPanel.hidden = true;
    });
    button.setAttribute("aria-expanded", opening ? "true" : "false");
    panel.hidden = !opening;
    if (opening) {
      var first = panel.querySelector("select, textarea, input:not([type=hidden])");
      if (first) first.focus({ preventScroll: true });
    }
  });

  /* --- On a phone the menus and tray tabs scroll sideways: the current one is brought into
     view (never left cut off at the screen's edge), without scrolling the page itself. --- */
  function showCurrent() {
    document.querySelectorAll(".mainnav, .tabs").forEach(function (strip) {
      var current = strip.querySelector("[aria-current='page']");
      if (!current || strip.scrollWidth <= strip.clientWidth) return;
      var box = strip.getBoundingClientRect();
      var item = current.getBoundingClientRect();
      if (item.left < box.left) strip.scrollLeft -= box.left - item.left + 16;
      else if (item.right > box.right) strip.scrollLeft += item.right - box.right + 16;
    });
  }
  document.addEventListener("DOMContentLoaded", showCurrent);

  /* --- The note box --- */
  function box() { return document.querySelector("[data-note-box]"); }
  var saved = null;       // the text the server holds, as far as this page knows
  var pending = null;     // the text of the autosave request under way
  var retryDelay = 2000;
  var retryTimer = null;
  var leaving = false;

  function status(text, isError) {
    var el = document.querySelector("[data-draft-status]");
    if (!el) return;
    el.textContent = "";
    var span = document.createElement("span");
    if (isError) span.className = "error-text";
    span.textContent = text;
    el.appendChild(span);
  }

  /* Every movement form carries the box's text, and shows what becomes of it as soon as the
     box holds any: the choice appears at once, with no reload. */
  function spread() {
    var note = box();
    if (!note) return;
    var text = note.value;
    document.querySelectorAll("[data-note-copy]").forEach(function (input) { input.value = text; });
    document.querySelectorAll("[data-note-preview]").forEach(function (quote) { quote.textContent = text; });
    document.querySelectorAll("[data-note-choice]").forEach(function (fieldset) {
      fieldset.hidden = text.trim() === "";
    });
  }

  function remember() {
    var note = box();
    if (note && saved === null) saved = note.value;
    spread();
  }
  document.addEventListener("DOMContentLoaded", remember);
  document.addEventListener("htmx:load", function () { if (box()) { saved = box().value; spread(); } });

  document.addEventListener("input", function (event) {
    if (!event.target.matches("[data-note-box]")) return;
    spread();
    if (event.target.value !== saved) status(event.target.dataset.msgUnsaved || "…", false);
  });

  document.addEventListener("submit", function (event) {
    // data-confirm is asked by app.js, in the capture phase: a cancelled submit never gets here.
    var form = event.target;
    if (form.matches("[data-carries-note]")) spread();
    leaving = true;
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var note = box();
    if (!note || event.detail.elt !== note) return;
    pending = note.value;
    status(note.dataset.msgSaving || "…", false);
  });

  function retry(note) {
    status(note.dataset.msgRetrying || "…", true);
    window.clearTimeout(retryTimer);
    retryTimer = window.setTimeout(function () {
      if (document.body.contains(note)) htmx.trigger(note, "retry-autosave");
    }, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 30000);
  }

  document.addEventListener("htmx:afterRequest", function (event) {
    var note = box();
    if (!note || event.detail.elt !== note) return;
    if (event.detail.successful) {
      saved = pending;
      retryDelay = 2000;
    } else {
      retry(note);
    }
  });
  document.addEventListener("htmx:sendError", function (event) {
    var note = box();
    if (note && event.detail.elt === note) retry(note);
  });
  document.addEventListener("htmx:afterSwap", function () {
    var note = box();
    // The whole panel was redrawn ("Save draft"): what it shows is what is saved.
    if (note && note.isConnected && document.activeElement !== note) saved = note.value;
    spread();
  });

  window.addEventListener("beforeunload", function (event) {
    var note = box();
    if (!leaving && note && saved !== null && note.value !== saved) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();
