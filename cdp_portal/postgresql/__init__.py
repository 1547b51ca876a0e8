"""Django's PostgreSQL backend, with prepared statements that leave word searches alone
(see `base.py`). settings.py names it as the database ENGINE."""
