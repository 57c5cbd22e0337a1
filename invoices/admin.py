from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import Account, Contact, Expense, Invoice, InvoiceLine, Payment, Product, TaxRate, User


@admin.register(User)
class HatsyncUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("Account", {"fields": ("account",)}))
    list_display = ("username", "email", "account", "is_staff")
    list_filter = ("account", "is_staff")


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ("name", "country", "currency", "timezone", "created_at")
    list_filter = ("country",)
    search_fields = ("name",)


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("first_name", "last_name", "email", "company", "account")
    list_filter = ("account",)
    search_fields = ("first_name", "last_name", "email", "company")


@admin.register(TaxRate)
class TaxRateAdmin(admin.ModelAdmin):
    list_display = ("name", "percentage", "account")
    list_filter = ("account",)


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("display_name", "rate", "taxable", "default_tax_rate", "account")
    list_filter = ("account", "taxable")
    search_fields = ("display_name",)


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    extra = 0
    raw_id_fields = ("product",)


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = ("number", "contact", "status", "issue_date", "due_date", "account")
    list_filter = ("account", "status")
    search_fields = ("number", "contact__first_name", "contact__last_name", "contact__email")
    raw_id_fields = ("contact",)
    inlines = [InvoiceLineInline]


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ("invoice", "date", "amount", "tip_amount", "method", "reference", "account")
    list_filter = ("account", "method")
    raw_id_fields = ("invoice",)


@admin.register(Expense)
class ExpenseAdmin(admin.ModelAdmin):
    list_display = ("date", "vendor", "category", "amount", "account")
    list_filter = ("account", "category")
