"""Django's PostgreSQL backend (psycopg 3), with one change: when prepared statements are
on (DATABASE_PREPARED_STATEMENTS), the statements whose best plan depends on the words
searched are never prepared.

A prepared statement is planned for its parameters the first five times, then PostgreSQL
may keep one generic plan for every value. For most of the portal's statements the
generic plan is the right one, and reusing it is what makes them cheap. Not for a search:
a word found in 70,000 posts is best read down the recency index, a rare one through the
full-text index, and a generic plan would choose once for all words. Such statements
(a full-text match `@@`, a trigram operator `%>`, `<%`, `%`: written `%%` in Django's SQL)
are sent unprepared, so PostgreSQL plans each for its words.
"""

from __future__ import annotations

import re

from django.db.backends.postgresql import base

# Full-text match, or a trigram operator (a literal % is written %% in Django's SQL).
WORD_DEPENDENT_PLAN = re.compile(r"@@|%%")


def plan_depends_on_words(query: object) -> bool:
    return isinstance(query, str) and WORD_DEPENDENT_PLAN.search(query) is not None


class PreparedUnlessSearchCursor(base.ServerBindingCursor):
    def execute(self, query, params=None, *, prepare=None, binary=None):
        if prepare is None and plan_depends_on_words(query):
            prepare = False
        return super().execute(query, params, prepare=prepare, binary=binary)


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self):
        params = super().get_connection_params()
        if self.settings_dict["OPTIONS"].get("server_side_binding") is True:
            params["cursor_factory"] = PreparedUnlessSearchCursor
        return params
