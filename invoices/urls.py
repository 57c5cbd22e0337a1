"""The CRM's URLs, all under the `invoices` namespace."""

from django.urls import path

from . import views

app_name = "invoices"

urlpatterns = [
    path("invoices/", views.invoice_list, name="invoice_list"),
    path("invoices/live/", views.invoice_list_live, name="invoice_list_live"),
    path("invoices/new/", views.invoice_create, name="invoice_create"),
    path("invoices/<int:pk>/", views.invoice_detail, name="invoice_detail"),
    path("invoices/<int:pk>/live/", views.invoice_live, name="invoice_live"),
    path("invoices/<int:pk>/edit/", views.invoice_edit, name="invoice_edit"),
    path("invoices/<int:pk>/send/", views.invoice_send, name="invoice_send"),
    path("invoices/<int:pk>/mark-sent/", views.invoice_mark_sent, name="invoice_mark_sent"),
    path("invoices/<int:pk>/void/", views.invoice_void, name="invoice_void"),
    path("invoices/<int:pk>/delete/", views.invoice_delete, name="invoice_delete"),
    path("invoices/<int:pk>/payments/new/", views.payment_create, name="payment_create"),
    path("invoices/<int:pk>/payments/<int:payment_pk>/refund/", views.refund_create,
         name="refund_create"),
    path("invoices/<int:pk>/payments/<int:payment_pk>/edit/", views.payment_edit,
         name="payment_edit"),
    path("invoices/<int:pk>/payments/<int:payment_pk>/delete/", views.payment_delete,
         name="payment_delete"),
    path("contacts/", views.contact_list, name="contact_list"),
    path("contacts/new/", views.contact_create, name="contact_create"),
    path("contacts/<int:pk>/edit/", views.contact_edit, name="contact_edit"),
    path("products/", views.product_list, name="product_list"),
    path("products/new/", views.product_create, name="product_create"),
    path("products/<int:pk>/edit/", views.product_edit, name="product_edit"),
    path("tax-rates/", views.tax_rate_list, name="tax_rate_list"),
    path("tax-rates/new/", views.tax_rate_create, name="tax_rate_create"),
    path("tax-rates/<int:pk>/edit/", views.tax_rate_edit, name="tax_rate_edit"),
    path("settings/card-fees/", views.card_fee_settings, name="card_fee_settings"),
    path("expenses/", views.expense_list, name="expense_list"),
    path("expenses/new/", views.expense_create, name="expense_create"),
]
