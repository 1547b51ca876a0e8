"""The portal's locale formats (settings.FORMAT_MODULE_PATH), read before Django's own.

Each `<lang>/formats.py` names only what differs from Django's module for that language,
and the portal's own named formats (`PERCENT_FORMAT`), so that one template says
`|date:"DATE_FORMAT"` or `|percent` and each language gets its own style.
"""
