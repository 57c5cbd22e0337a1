from django.urls import path

from . import intuit_views, metrics, operations_views, views, webhooks

app_name = "integrations"

urlpatterns = [
    path("settings/integrations/", views.settings_page, name="settings"),
    path("integrations/quickbooks/connect/", views.connect, name="connect"),
    path("integrations/quickbooks/callback/", views.callback, name="callback"),
    path("integrations/quickbooks/recheck/", views.recheck, name="recheck"),
    path("integrations/quickbooks/disconnect/", views.disconnect, name="disconnect"),
    path("integrations/quickbooks/accounts/", views.choose_accounts, name="choose_accounts"),
    path("settings/integrations/tax-codes/", views.tax_codes, name="tax_codes"),
    path("settings/integrations/classes-locations/", views.classes_locations_page,
         name="classes_locations"),
    path("invoices/<int:pk>/quickbooks-location/", views.invoice_location,
         name="invoice_location"),
    path("integrations/quickbooks/retry/", views.retry_problems, name="retry_problems"),
    path("settings/integrations/reconcile/", views.reconcile_section, name="reconcile"),
    path("integrations/quickbooks/reconcile/", views.reconcile_start, name="reconcile_start"),
    path("integrations/quickbooks/reconcile/repair/", views.reconcile_repair,
         name="reconcile_repair"),
    path("settings/integrations/history/", views.sync_history, name="sync_history"),
    path("import-invoices/", views.import_invoices, name="import_invoices"),
    path("import-invoices/sync/", views.import_sync, name="import_sync"),
    path("import-invoices/jobs/<int:pk>/", views.import_progress, name="import_progress"),
    path("import-invoices/undo/", views.import_undo, name="import_undo"),
    path("import-invoices/undo/<str:job>/", views.import_undo_progress,
         name="import_undo_progress"),
    path("invoices/<int:pk>/sync/", views.invoice_sync, name="invoice_sync"),
    path("invoices/<int:pk>/quickbooks-panel/", views.invoice_panel, name="invoice_panel"),
    path("integrations/quickbooks/webhooks/", webhooks.quickbooks_webhook, name="webhooks"),
    path("integrations/quickbooks/launch/", intuit_views.launch, name="launch"),
    path("integrations/quickbooks/disconnected/", intuit_views.disconnected, name="disconnected"),
    path("integrations/quickbooks/reconnect/", intuit_views.reconnect, name="reconnect"),
    path("metrics", metrics.metrics_endpoint, name="metrics"),
    path("operations/", operations_views.search, name="operations"),
    path("operations/companies/<int:pk>/", operations_views.company, name="operations_company"),
    path("operations/requeue/", operations_views.requeue, name="operations_requeue"),
]
