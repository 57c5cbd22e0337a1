"""The only code that talks to QuickBooks: python-quickbooks and intuit-oauth live here."""
