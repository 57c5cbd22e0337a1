"""Forms of the Integrations page: the QuickBooks accounts money goes to."""

from django import forms

from .models import QuickBooksConnection
from .services import accounts


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
