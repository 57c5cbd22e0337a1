"""The QuickBooks Online integration: connection, OAuth, the sync engine and its screens."""
