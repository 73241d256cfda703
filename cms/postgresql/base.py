"""Django's PostgreSQL backend, with parameters bound on the server so that
statements can be prepared.

PostgreSQL spends longer planning most of a page's queries than running them.
With server-side binding, psycopg sends each statement with its parameters
apart, and prepares a statement it has run ``prepare_threshold`` times on a
connection: from then on the server reuses its plan. The settings turn this on
(``DATABASE_PREPARE_THRESHOLD``) and Django's own backend does the rest.

The protocol carries at most 65,535 parameters in a statement, and Django does
not split its deletions, bulk inserts or long ``__in`` lists to fit on
PostgreSQL. A statement with more is bound here instead, as Django's default
client-side binding binds every statement, and is neither prepared nor capped.
"""

from django.db.backends.postgresql import base
from psycopg import ClientCursor

# The most parameters the extended query protocol carries (a 16-bit count).
MAX_SERVER_PARAMETERS = 65_535


class ServerBindingCursor(base.ServerBindingCursor):
    def execute(self, query, params=None, *, prepare=None, binary=None):
        if params is not None and len(params) > MAX_SERVER_PARAMETERS:
            query = ClientCursor(self.connection).mogrify(query, params)
            params = None
        return super().execute(query, params, prepare=prepare, binary=binary)


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self):
        params = super().get_connection_params()
        if self.settings_dict["OPTIONS"].get("server_side_binding") is True:
            params["cursor_factory"] = ServerBindingCursor
        return params
