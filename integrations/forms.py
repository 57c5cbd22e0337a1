"""Forms of the Integrations page: the QuickBooks accounts money goes to, the tax code each
tax rate goes with, and the classes and locations invoices carry."""

from django import forms

from . import rules
from .models import QuickBooksConnection
from .services import accounts, classes_locations, tax_codes


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


class ClassesLocationsForm(forms.Form):
    """A class for each of the account's products and the account's location, chosen among
    the company's own (as last read on this screen). Fields are the account's products only:
    anything else posted is ignored."""

    location = forms.ChoiceField(required=False)

    def __init__(self, *args, connection: QuickBooksConnection, **kwargs):
        super().__init__(*args, **kwargs)
        self.connection = connection
        self.rows = classes_locations.product_rows(connection)
        self.tracks_classes = classes_locations.tracks_classes(connection)
        self.tracks_locations = classes_locations.tracks_locations(connection)
        classes = classes_locations.options(connection, classes_locations.CLASS)
        for row in self.rows if self.tracks_classes else []:
            self.fields[self.field_name(row.product.pk)] = forms.ChoiceField(
                label=row.product.display_name, required=False, initial=row.class_id,
                choices=[("", "No class"), *classes])
        if self.tracks_locations:
            term = classes_locations.term(connection)
            self.fields["location"].label = term
            self.fields["location"].initial = connection.location_id
            self.fields["location"].choices = [
                ("", f"No {term.lower()}"),
                *classes_locations.options(connection, classes_locations.LOCATION)]
        else:
            del self.fields["location"]

    @staticmethod
    def field_name(product_id: int) -> str:
        return f"class_{product_id}"

    def chosen_classes(self) -> dict[int, str]:
        if not self.tracks_classes:
            return {}
        return {row.product.pk: self.cleaned_data[self.field_name(row.product.pk)]
                for row in self.rows}

    def chosen_location(self) -> str | None:
        return self.cleaned_data["location"] if self.tracks_locations else None

    def bound_rows(self) -> list[tuple]:
        """(the product's row, its bound field) for the template."""
        if not self.tracks_classes:
            return []
        return [(row, self[self.field_name(row.product.pk)]) for row in self.rows]


class InvoiceLocationForm(forms.Form):
    """One invoice's own location ("" = the account's), among the company's own."""

    location = forms.ChoiceField(required=False)

    def __init__(self, *args, connection: QuickBooksConnection, initial_id: str, **kwargs):
        super().__init__(*args, **kwargs)
        term = classes_locations.term(connection)
        default = classes_locations.name_of(connection, classes_locations.LOCATION,
                                            connection.location_id)
        self.fields["location"].label = term
        self.fields["location"].initial = initial_id
        self.fields["location"].choices = [
            ("", f"The account's: {default}" if default else f"No {term.lower()}"),
            *classes_locations.options(connection, classes_locations.LOCATION)]
