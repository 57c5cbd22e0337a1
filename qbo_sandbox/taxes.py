"""Tax agencies and the TaxService endpoint. A mixin of `entities.Books`.

- TaxAgency: created (DisplayName required, unique whatever its capitals: 6240), read and
  queried; QuickBooks neither updates nor deletes one through the API.
- POST /taxservice/taxcode: a new TaxCode (TaxCode, its name, unique) with its rates: each
  TaxRateDetails entry names an existing rate (TaxRateId) or makes one (TaxRateName, RateValue
  0-100, TaxAgencyId of an existing agency, TaxApplicableOn Sales or Purchase). The answer is
  Intuit's: not wrapped in an entity name, TaxCodeId and each TaxRateId filled in.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import faults
from .values import as_json_number, clean, iso
from .values import decimal_field as _decimal

if TYPE_CHECKING:
    from .store import Store

MAX_AGENCY_NAME = 100
APPLICABLE_ON = {"Sales": "SalesTaxRateList", "Purchase": "PurchaseTaxRateList"}


class TaxSetup:
    """The TaxAgency saver and TaxService's tax code."""

    store: Store
    realm: str
    country: str
    prefs: dict[str, Any]
    company: dict[str, Any]
    now: float

    def _tax_agency(self, data: dict, current: dict | None, params: dict) -> dict:
        if current is not None:
            raise faults.unsupported_operation("update TaxAgency")
        name = str(data.get("DisplayName") or "").strip()
        if not name:
            raise faults.required_missing("DisplayName")
        if len(name) > MAX_AGENCY_NAME:
            raise faults.string_length("DisplayName")
        for _, other in self.store.values(self.realm, "TaxAgency", "$.DisplayName"):
            if str(other).casefold() == name.casefold():
                raise faults.duplicate_list_name("tax agency")
        data["DisplayName"] = name
        data.setdefault("TaxTrackedOnSales", True)
        data.setdefault("TaxTrackedOnPurchases", False)
        data.update(domain="QBO", sparse=False)
        self.store.put_entity(self.realm, "TaxAgency", data)
        return data

    def tax_service(self, payload: dict[str, Any]) -> dict[str, Any]:
        """POST /taxservice/taxcode: the new TaxCode and its TaxRates; Intuit's answer."""
        sent = clean(payload)
        name = str(sent.get("TaxCode") or "").strip()
        if not name:
            raise faults.required_missing("TaxCode")
        if len(name) > 100:
            raise faults.string_length("TaxCode")
        for _, other in self.store.values(self.realm, "TaxCode", "$.Name"):
            if str(other).casefold() == name.casefold():
                raise faults.duplicate_list_name("tax code")
        details = sent.get("TaxRateDetails") or []
        if not details:
            raise faults.required_missing("TaxRateDetails")
        stamp = {"CreateTime": iso(self.now), "LastUpdatedTime": iso(self.now)}
        lists: dict[str, list[dict]] = {key: [] for key in APPLICABLE_ON.values()}
        answered = []
        for detail in details:
            applicable = detail.get("TaxApplicableOn") or "Sales"
            if applicable not in APPLICABLE_ON:
                raise faults.QBOFault(2170, "Invalid Enumeration",
                                      f"Invalid Enumeration : {applicable}",
                                      element="TaxApplicableOn")
            rate = self._service_rate(detail, stamp)
            lists[APPLICABLE_ON[applicable]].append({
                "TaxRateRef": {"value": rate["Id"], "name": rate["Name"]},
                "TaxTypeApplicable": "TaxOnAmount", "TaxOrder": 0})
            answered.append({"TaxRateName": rate["Name"], "TaxRateId": rate["Id"],
                             "RateValue": rate["RateValue"],
                             "TaxAgencyId": rate["AgencyRef"]["value"],
                             "TaxApplicableOn": applicable})
        code = {
            "Id": self.store.next_id(self.realm, "TaxCode"), "SyncToken": "0", "Name": name,
            "Description": name, "Active": True, "Hidden": False, "Taxable": True,
            "TaxGroup": len(answered) > 1,
            **{key: {"TaxRateDetail": value} for key, value in lists.items()},
            "domain": "QBO", "sparse": False, "MetaData": dict(stamp),
        }
        self.store.put_entity(self.realm, "TaxCode", code)
        return {"TaxCode": name, "TaxCodeId": code["Id"], "TaxRateDetails": answered}

    def _service_rate(self, detail: dict, stamp: dict) -> dict:
        rate_id = detail.get("TaxRateId")
        if rate_id not in (None, "", 0, "0"):
            rate = self.store.entity(self.realm, "TaxRate", str(rate_id))
            if rate is None:
                raise faults.invalid_reference("TaxRateId", rate_id)
            return rate
        name = str(detail.get("TaxRateName") or "").strip()
        if not name:
            raise faults.required_missing("TaxRateName")
        value = _decimal(detail.get("RateValue"), "RateValue")
        if value is None:
            raise faults.required_missing("RateValue")
        if not Decimal(0) <= value <= Decimal(100):
            raise faults.business_rule("RateValue must be between 0 and 100.", "RateValue")
        agency_id = str(detail.get("TaxAgencyId") or "")
        if not agency_id:
            raise faults.required_missing("TaxAgencyId")
        if self.store.entity(self.realm, "TaxAgency", agency_id) is None:
            raise faults.invalid_reference("TaxAgencyId", agency_id)
        for _, other in self.store.values(self.realm, "TaxRate", "$.Name"):
            if str(other).casefold() == name.casefold():
                raise faults.duplicate_list_name("tax rate")
        rate = {"Id": self.store.next_id(self.realm, "TaxRate"), "SyncToken": "0", "Name": name,
                "Description": name, "Active": True, "RateValue": as_json_number(value),
                "AgencyRef": {"value": agency_id}, "SpecialTaxType": "NONE",
                "DisplayType": "ReadOnly", "domain": "QBO", "sparse": False,
                "MetaData": dict(stamp)}
        self.store.put_entity(self.realm, "TaxRate", rate)
        return rate
