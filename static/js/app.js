// Behaviour that would otherwise be inline script: the Content-Security-Policy allows scripts
// only from this site's files (config/settings.py, SECURE_CSP).
"use strict";

// htmx would add a <style> element for its request indicators, which the policy refuses; no
// page uses them.
if (window.htmx) {
  window.htmx.config.includeIndicatorStyles = false;
}

// <form data-confirm="Question?">: asks before submitting. Listening on the document in the
// capture phase also covers forms that htmx swapped in, and runs before htmx sees the submit.
document.addEventListener(
  "submit",
  (event) => {
    const form = event.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      event.stopPropagation();
    }
  },
  true,
);
