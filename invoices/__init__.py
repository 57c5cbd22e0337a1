"""The CRM: accounts, contacts, products, tax rates, invoices, payments and expenses.

It knows nothing of QuickBooks; `integrations` listens to it through signals.
"""
