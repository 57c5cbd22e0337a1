from django.urls import path

from . import views

app_name = "invoices"

urlpatterns = [
    path("invoices/", views.invoice_list, name="invoice_list"),
]
