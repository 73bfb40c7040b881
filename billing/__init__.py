"""Plans, one Stripe subscription per tenant billed to its partner, usage, webhooks, dunning."""
