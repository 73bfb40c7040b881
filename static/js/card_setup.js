// The partner portal's "add a card" form: Stripe.js draws the card fields and confirms the
// SetupIntent in the browser (the card number never reaches our server), then the form posts
// the SetupIntent's id, which the server re-reads from Stripe before recording anything.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("card-form");
  if (!(form instanceof HTMLFormElement)) {
    return;
  }
  const errors = document.getElementById("card-errors");
  const button = form.querySelector("button[type=submit]");
  if (!window.Stripe) {
    errors.textContent = "Stripe could not be loaded. Check your connection and reload the page.";
    button.disabled = true;
    return;
  }
  const stripe = window.Stripe(form.dataset.publishableKey);
  const card = stripe.elements().create("card");
  card.mount("#card-element");

  form.addEventListener("submit", async (event) => {
    if (form.dataset.confirmed) {
      return;
    }
    event.preventDefault();
    button.disabled = true;
    errors.textContent = "";
    const result = await stripe.confirmCardSetup(form.dataset.clientSecret, {
      payment_method: { card },
    });
    if (result.error) {
      errors.textContent = result.error.message || "The card was refused.";
      button.disabled = false;
      return;
    }
    form.elements.setup_intent.value = result.setupIntent.id;
    form.dataset.confirmed = "yes";
    form.submit();
  });
});
