"""A tenant's e-office: org chart, receipts, files, notes, movement, dispatch, audit, reports."""
