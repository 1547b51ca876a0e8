"""The portal's base layer: helpers every app shares (tags, safe redirects, single-line
fields, Markdown, search text, idempotent forms, the flag flow, middleware…).

Nothing here imports a portal app (`communities`, `resources`, `forums`, `readiness`,
`cdp_portal.accounts`, `cdp_portal.outbox`); `tests/core/test_architecture.py` enforces it.
"""
