"""The sign-in form."""

from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator


class SignInForm(AuthenticationForm):
    """Django's sign-in form with the username's length enforced: Django sets its max_length
    (the user model's, 150) on the field but adds no validator, so a longer name went on to
    authenticate, and django-axes' record of the failure (255 characters) failed with a 500
    on PostgreSQL."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))
