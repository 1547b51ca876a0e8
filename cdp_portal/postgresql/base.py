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
from django.db.models.sql import InsertQuery

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
        options = self.connection.settings_dict["OPTIONS"]
        if not fields or not objs or options.get("server_side_binding") is not True:
            return super().bulk_batch_size(fields, objs)
        # The rows of one bulk write are alike: the first tells what each one takes.
        first = objs[0]
        if len(fields) > 2 and fields[0] is fields[1] and fields[0].primary_key:
            # bulk_update asks with [pk, pk, *fields]: the key is in the IN list, and in
            # each field's CASE beside the value.
            per_row = 1 + len(fields[2:]) + self._row_parameters(first, fields[2:])
        else:
            per_row = self._row_parameters(first, fields)
        return max(1, self.MAX_BOUND_PARAMETERS // max(1, per_row))

    def _row_parameters(self, obj, fields) -> int:
        """The parameters a row's values take: one each, or what an expression compiles
        to (a search vector computed in the INSERT, say: several)."""
        computed = [
            field
            for field in fields
            if hasattr(getattr(obj, field.attname, None), "resolve_expression")
        ]
        count = len(fields) - len(computed)
        if computed:
            query = InsertQuery(type(obj))
            query.insert_values(computed, [obj])
            compiled = query.get_compiler(connection=self.connection).as_sql()
            count += sum(len(params) for _sql, params in compiled)
        return count


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    def get_connection_params(self):
        params = super().get_connection_params()
        if self.settings_dict["OPTIONS"].get("server_side_binding") is True:
            params["cursor_factory"] = PreparedUnlessSearchCursor
        return params
