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

Parameters bound by the server travel in the protocol's message, which holds at most
65,535 of them: `bulk_create` and `bulk_update` batches are cut to fit (Django leaves
PostgreSQL's batches whole, as client-side binding has no such limit).
"""

from __future__ import annotations

import re

from django.db.backends.postgresql import base, operations

# Full-text match, or a trigram operator (a literal % is written %% in Django's SQL).
WORD_DEPENDENT_PLAN = re.compile(r"@@|%%")


def plan_depends_on_words(query: object) -> bool:
    return isinstance(query, str) and WORD_DEPENDENT_PLAN.search(query) is not None


class PreparedUnlessSearchCursor(base.ServerBindingCursor):
    def execute(self, query, params=None, *, prepare=None, binary=None):
        if prepare is None and plan_depends_on_words(query):
            prepare = False
        return super().execute(query, params, prepare=prepare, binary=binary)


class DatabaseOperations(operations.DatabaseOperations):
    # The protocol's count of parameters is a 16-bit number.
    MAX_BOUND_PARAMETERS = 65_535

    def bulk_batch_size(self, fields, objs):
        if (
            not fields
            or self.connection.settings_dict["OPTIONS"].get("server_side_binding") is not True
        ):
            return super().bulk_batch_size(fields, objs)
        return max(1, self.MAX_BOUND_PARAMETERS // len(fields))


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    def get_connection_params(self):
        params = super().get_connection_params()
        if self.settings_dict["OPTIONS"].get("server_side_binding") is True:
            params["cursor_factory"] = PreparedUnlessSearchCursor
        return params
