"""Temporary: re-exports for engine/bulk/sync until they import the new modules.

The connection's services now live in `oauth` (connect, disconnect), `lease` (one writer per
company), `tokens` (access tokens, needs reconnect, key rotation) and `company_settings`
(settings and the checklist). Import from those; this module goes once nothing uses it.
"""

from .company_settings import connection_check_settings
from .lease import CompanyBusy, LeaseLost, connection_lease
from .tokens import connection_access_token, connection_mark_needs_reconnect

__all__ = [
    "CompanyBusy",
    "LeaseLost",
    "connection_access_token",
    "connection_check_settings",
    "connection_lease",
    "connection_mark_needs_reconnect",
]
