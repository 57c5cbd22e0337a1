"""The company's settings as the API reads them: Preferences (stored, with what the control
API owns laid over it) and CompanyInfo. A mixin of `entities.Books`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .tracking import TRACKING_PREFS
from .values import iso

if TYPE_CHECKING:
    from .store import Store


ISO3 = {"US": "USA", "CA": "CAN", "GB": "GBR", "AU": "AUS"}


class CompanySettings:
    """Preferences and CompanyInfo, read."""

    store: Store
    realm: str
    country: str
    prefs: dict[str, Any]
    company: dict[str, Any]
    now: float

    def preferences(self) -> dict[str, Any]:
        """The complete Preferences object, as Intuit's sample companies answer it: what an
        app changed (stored), with the settings the control API owns laid over it."""
        prefs = self.store.entity(self.realm, "Preferences", "1") or self._default_preferences()
        gratuity = [{"Name": "SalesFormsPrefs.AllowGratuity",
                     "Value": "true" if self.prefs.get("gratuity") else "false"}]
        other = [pair for pair in prefs["OtherPrefs"]["NameValue"]
                 if pair["Name"] != "SalesFormsPrefs.AllowGratuity"]
        prefs["OtherPrefs"]["NameValue"] = other + (gratuity if self.country != "CA" else [])
        prefs["SalesFormsPrefs"]["CustomTxnNumbers"] = bool(self.prefs.get("custom_txn_numbers"))
        prefs["TaxPrefs"]["UsingSalesTax"] = bool(self.prefs.get("sales_tax"))
        prefs["TaxPrefs"]["PartnerTaxEnabled"] = (
            self.country == "US" and bool(self.prefs.get("automated_sales_tax", True)))
        prefs["CurrencyPrefs"]["HomeCurrency"] = {"value": self._home_currency()}
        prefs["CurrencyPrefs"]["MultiCurrencyEnabled"] = bool(self.prefs.get("multicurrency"))
        info = prefs["AccountingInfoPrefs"]
        for key, setting in TRACKING_PREFS.items():
            if setting in self.prefs:
                info[key] = self.prefs[setting]
        prefs["AccountingInfoPrefs"]["BookCloseDate"] = self.prefs.get("book_close_date", "")
        if self.prefs.get("plan") == "simple_start":  # the plan lacks these features
            prefs["CurrencyPrefs"]["MultiCurrencyEnabled"] = False
            prefs["AccountingInfoPrefs"].update(ClassTrackingPerTxn=False,
                                                ClassTrackingPerTxnLine=False,
                                                TrackDepartments=False)
        prefs.update(domain="QBO", sparse=False)
        return prefs

    def _iso_now(self) -> str:
        return iso(self.now)

    def _default_preferences(self) -> dict[str, Any]:
        created = iso(self.company["created_at"])
        message = "Thank you for your business and have a great day!"
        discounts = next((a for a in self.store.entities(self.realm, "Account")
                          if a.get("AccountSubType") == "DiscountsRefundsGiven"), None)
        email = {
            kind: {"Subject": f"{label} from {self.company['name']}",
                   "Message": f"Dear [Name],\n\nPlease find our {label.lower()} attached. "
                              "We appreciate your business.\n\nHave a great day!"}
            for kind, label in (("InvoiceMessage", "Invoice"), ("EstimateMessage", "Estimate"),
                                ("SalesReceiptMessage", "Sales Receipt"),
                                ("StatementMessage", "Statement"))
        }
        return {
            "Id": "1",
            "SyncToken": "0",
            "AccountingInfoPrefs": {
                "FirstMonthOfFiscalYear": "January", "UseAccountNumbers": True,
                "TaxYearMonth": "January", "ClassTrackingPerTxn": False,
                "ClassTrackingPerTxnLine": True, "TrackDepartments": True, "TaxForm": "6",
                "CustomerTerminology": "Customers", "BookCloseDate": "",
                "DepartmentTerminology": "Location",
            },
            "ProductAndServicesPrefs": {
                "ForSales": True, "ForPurchase": True, "QuantityWithPriceAndRate": True,
                "QuantityOnHand": True, "RevenueRecognition": False,
                "RevenueRecognitionFrequency": "Monthly",
            },
            "SalesFormsPrefs": {
                "CustomField": [], "CustomTxnNumbers": True, "AllowDeposit": True,
                "AllowDiscount": True, "DefaultDiscountAccount": discounts["Id"] if discounts
                else "", "AllowEstimates": True, "EstimateMessage": message,
                "ETransactionEnabledStatus": "NotApplicable", "ETransactionAttachPDF": False,
                "ETransactionPaymentEnabled": False, "IPNSupportEnabled": False,
                "AllowServiceDate": False, "AllowShipping": False,
                "DefaultShippingAccount": False, "DefaultTerms": {"value": "3"},
                "DefaultCustomerMessage": message, "EmailCopyToCompany": False,
                "UsingPriceLevels": False, "UsingProgressInvoicing": False,
                "AutoApplyCredit": True, "AutoApplyPayments": True, "PrintItemWithZeroAmount":
                False,
            },
            "EmailMessagesPrefs": email,
            "VendorAndPurchasesPrefs": {
                "TrackingByCustomer": True, "BillableExpenseTracking": True,
                "TPAREnabled": False, "DefaultTerms": {"value": "3"},
                "DefaultMarkupAccount": {}, "POCustomField": [],
            },
            "TimeTrackingPrefs": {
                "UseServices": True, "BillCustomers": True, "ShowBillRateToAll": False,
                "WorkWeekStartDate": "Monday", "MarkTimeEntriesBillable": True,
            },
            "TaxPrefs": {"UsingSalesTax": True, "PartnerTaxEnabled": self.country == "US"},
            "CurrencyPrefs": {"MultiCurrencyEnabled": False, "HomeCurrency": {"value": ""}},
            "ReportPrefs": {"ReportBasis": "Accrual", "CalcAgingReportFromTxnDate": False},
            "OtherPrefs": {"NameValue": [
                {"Name": "SalesFormsPrefs.DefaultCustomerMessage", "Value": message},
                {"Name": "SalesFormsPrefs.DefaultItem", "Value": "1"},
                {"Name": "DTXCopyMemo", "Value": "false"},
                {"Name": "UncategorizedAssetAccountId", "Value": ""},
                {"Name": "VendorAndPurchasesPrefs.UseBillPaymentMethod", "Value": "false"},
                {"Name": "SalesFormsPrefs.SalesEmailBcc", "Value": ""},
            ]},
            "MetaData": {"CreateTime": created, "LastUpdatedTime": created},
        }

    def company_info(self) -> dict[str, Any]:
        created = iso(self.company["created_at"])
        return {
            "Id": "1",
            "SyncToken": "0",
            "domain": "QBO",
            "sparse": False,
            "CompanyName": self.company["name"],
            "LegalName": self.company["name"],
            "Country": self.country,
            # Intuit's 2025 answers: these three addresses name the country in ISO 3 letters.
            **{name: {"Id": str(n), "Country": ISO3.get(self.country, self.country)}
               for n, name in enumerate(("CompanyAddr", "CustomerCommunicationAddr",
                                         "LegalAddr"), start=1)},
            "SupportedLanguages": "en",
            "FiscalYearStartMonth": "January",
            "CompanyStartDate": created[:10],
            "NameValue": [
                {"Name": "NeoEnabled", "Value": "true"},
                {"Name": "OfferingSku", "Value": "QuickBooks Online Plus"},
            ],
            "MetaData": {"CreateTime": created, "LastUpdatedTime": created},
        }
