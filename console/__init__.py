"""Control-plane screens: the federal console and the partners' portal. Owns no business rules."""
