"""A local stand-in for Intuit's OAuth 2.0 server and the QuickBooks Online Accounting API v3."""

from .app import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, SandboxApp, create_app
from .catalog import GRATUITY_ITEM_ID
from .companies import SAMPLE_COMPANIES

__all__ = [
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "GRATUITY_ITEM_ID",
    "SAMPLE_COMPANIES",
    "SandboxApp",
    "create_app",
]
