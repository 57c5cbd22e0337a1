"""Forms of the Integrations page: the QuickBooks accounts money goes to, and the tax code
each tax rate goes with."""

from django import forms

from . import rules
from .models import QuickBooksConnection
from .services import accounts, tax_codes


class AccountChoicesForm(forms.Form):
    """Choose the deposit, discount and fee accounts among the company's own (as last read
    from QuickBooks); only the accounts listed for each purpose are accepted."""

    deposit = forms.ChoiceField(label="Deposit payments to", required=False)
    discount = forms.ChoiceField(label="Discounts go to", required=False)
    fee = forms.ChoiceField(label="Processing fees go to", required=False)

    PURPOSES = {"deposit": accounts.DEPOSIT, "discount": accounts.DISCOUNT, "fee": accounts.FEE}

    def __init__(self, *args, connection: QuickBooksConnection, **kwargs):
        super().__init__(*args, **kwargs)
        self.connection = connection
        for field, purpose in self.PURPOSES.items():
            options = accounts.account_choices(connection, purpose)
            choices = [(c.id, f"{c.name} (default)" if c.is_default else c.name)
                       for c in options]
            if not any(c.is_default for c in options):
                choices.insert(0, ("", "QuickBooks' own default"))
            self.fields[field].choices = choices
            self.fields[field].initial = (accounts.chosen_account_id(connection, purpose)
                                          or accounts.default_account_id(connection, purpose))

    def chosen(self) -> dict[str, str]:
        """Each purpose's account id; the default account is stored as "" (the default)."""
        return {
            field: ("" if self.cleaned_data[field] == accounts.default_account_id(
                self.connection, purpose) else self.cleaned_data[field])
            for field, purpose in self.PURPOSES.items()
        }


class TaxCodeMapForm(forms.Form):
    """For each of the account's tax rates, the QuickBooks tax code it goes with, chosen
    among the company's own codes (as last read); the code of the rate's name is proposed.
    Fields are the account's own rates only: anything else posted is ignored."""

    def __init__(self, *args, connection: QuickBooksConnection, **kwargs):
        super().__init__(*args, **kwargs)
        words = rules.tax_words(connection.country)
        codes = sorted(tax_codes.company_codes(connection).items(),
                       key=lambda pair: pair[0].casefold())
        self.rows = tax_codes.rate_codes(connection)
        for row in self.rows:
            field = forms.ChoiceField(
                label=str(row.rate), required=False, initial=row.code_id,
                choices=[("", f"No {words['code']} chosen")] + [
                    (code_id, name) for name, code_id in codes])
            self.fields[self.field_name(row.rate.pk)] = field

    @staticmethod
    def field_name(rate_id: int) -> str:
        return f"rate_{rate_id}"

    def chosen(self) -> dict[int, str]:
        return {row.rate.pk: self.cleaned_data[self.field_name(row.rate.pk)]
                for row in self.rows}

    def bound_rows(self) -> list[tuple]:
        """(the rate's row, its bound field) for the template."""
        return [(row, self[self.field_name(row.rate.pk)]) for row in self.rows]
