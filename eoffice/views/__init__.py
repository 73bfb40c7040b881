"""The e-office's pages, one module per screen family; each view calls services and selectors."""
