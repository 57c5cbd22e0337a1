"""Estimates, and their link to the invoices made from them. A mixin of `entities.Books`.

An estimate is a sales form that does not post: lines, discount, tax and total as an invoice's
(`sales_lines`), no balance, TxnStatus Pending (or Accepted, Rejected, Closed). An invoice made
from it names it in LinkedTxn ({"TxnId": estimate, "TxnType": "Estimate"}); QuickBooks then
links the estimate back ({"TxnType": "Invoice"}) and closes it (TxnStatus Closed). Unlinking,
voiding or deleting that invoice reopens it (Pending); deleting the estimate unlinks it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import faults
from .catalog import MAX_DOC_NUMBER
from .values import as_json_number, iso, money, ref_value

if TYPE_CHECKING:
    from .store import Store

TXN_STATUSES = ("Pending", "Accepted", "Closed", "Rejected")


class Estimates:
    """The Estimate saver and the estimate <-> invoice links."""

    store: Store
    realm: str
    country: str
    prefs: dict[str, Any]
    company: dict[str, Any]
    now: float

    def _estimate(self, data: dict, current: dict | None, params: dict) -> dict:
        customer = self._customer_ref(data)  # type: ignore[attr-defined]
        _, rate = self._txn_currency(data, customer)  # type: ignore[attr-defined]
        number = data.get("DocNumber")
        if number in (None, ""):
            numbers = [int(n) for _, n in self.store.values(self.realm, "Estimate",
                                                             "$.DocNumber")
                       if str(n or "").isdigit()]
            data["DocNumber"] = current["DocNumber"] if current else str(max([1000, *numbers])
                                                                         + 1)
        elif len(str(number)) > MAX_DOC_NUMBER:
            raise faults.string_length("DocNumber")
        self._invoice_dates(data)  # type: ignore[attr-defined]
        data.pop("DueDate", None)
        total = self._sales_totals(data)  # type: ignore[attr-defined]
        data["TotalAmt"] = as_json_number(money(total))
        self._home_amounts(data, rate)  # type: ignore[attr-defined]
        data["CustomerRef"] = {"value": customer["Id"], "name": customer["DisplayName"]}
        data["LinkedTxn"] = current.get("LinkedTxn", []) if current else []
        status = data.get("TxnStatus") or "Pending"
        if status not in TXN_STATUSES:
            raise faults.QBOFault(2170, "Invalid Enumeration", f"Invalid Enumeration : {status}",
                                  element="TxnStatus")
        if any(link.get("TxnType") == "Invoice" for link in data["LinkedTxn"]):
            status = "Closed"
        data["TxnStatus"] = status
        data.setdefault("PrintStatus", "NotSet")
        data.setdefault("EmailStatus", "NotSet")
        data.setdefault("GlobalTaxCalculation", "TaxExcluded")
        data.update(domain="QBO", sparse=False)
        self.store.put_entity(self.realm, "Estimate", data)
        return data

    def _estimate_links(self, data: dict, current: dict | None, customer_id: str) -> list[dict]:
        """The estimates an invoice names in LinkedTxn (its customer's), checked; when the
        update sends no LinkedTxn, the ones it named before."""
        sent = data.get("LinkedTxn")
        if sent is None:
            return [link for link in (current or {}).get("LinkedTxn", [])
                    if link.get("TxnType") == "Estimate"]
        links = []
        for link in sent or []:
            if not isinstance(link, dict) or link.get("TxnType") != "Estimate":
                continue  # payments are linked by the payments themselves
            estimate_id = str(link.get("TxnId", ""))
            estimate = self.store.entity(self.realm, "Estimate", estimate_id)
            if estimate is None:
                raise faults.invalid_reference("LinkedTxn", estimate_id)
            if ref_value(estimate.get("CustomerRef")) != customer_id:
                raise faults.business_rule(
                    f"Estimate {estimate_id} is for a different customer than the invoice.",
                    "LinkedTxn")
            if not any(other["TxnId"] == estimate_id for other in links):
                links.append({"TxnId": estimate_id, "TxnType": "Estimate"})
        return links

    def _relink_estimates(self, invoice_id: str, before: list[dict], after: list[dict]) -> None:
        """Link each estimate newly named by the invoice back to it (Closed); unlink those it
        no longer names (Pending again)."""
        old = {str(link["TxnId"]) for link in before if link.get("TxnType") == "Estimate"}
        new = {str(link["TxnId"]) for link in after if link.get("TxnType") == "Estimate"}
        for estimate_id in old ^ new:
            estimate = self.store.entity(self.realm, "Estimate", estimate_id)
            if estimate is None:
                continue
            links = [link for link in estimate.get("LinkedTxn", [])
                     if not (link.get("TxnType") == "Invoice" and link["TxnId"] == invoice_id)]
            if estimate_id in new:
                links.append({"TxnId": invoice_id, "TxnType": "Invoice"})
            estimate["LinkedTxn"] = links
            estimate["TxnStatus"] = "Closed" if any(
                link.get("TxnType") == "Invoice" for link in links) else "Pending"
            estimate["SyncToken"] = str(int(estimate["SyncToken"]) + 1)
            estimate["MetaData"]["LastUpdatedTime"] = iso(self.now)
            self.store.put_entity(self.realm, "Estimate", estimate)

    def _unlink_estimate(self, estimate: dict) -> None:
        """A deleted estimate leaves the invoices made from it."""
        for link in estimate.get("LinkedTxn", []):
            if link.get("TxnType") != "Invoice":
                continue
            invoice = self.store.entity(self.realm, "Invoice", str(link["TxnId"]))
            if invoice is None:
                continue
            invoice["LinkedTxn"] = [other for other in invoice.get("LinkedTxn", []) if not (
                other.get("TxnType") == "Estimate" and other["TxnId"] == estimate["Id"])]
            invoice["SyncToken"] = str(int(invoice["SyncToken"]) + 1)
            invoice["MetaData"]["LastUpdatedTime"] = iso(self.now)
            self.store.put_entity(self.realm, "Invoice", invoice)
