"""OAuth tokens are encrypted at rest with Fernet; a database dump shows no token."""

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver


@cache
def _fernet() -> MultiFernet:
    keys = list(settings.TOKEN_ENCRYPTION_KEYS)
    if not keys:  # development only: settings refuse to start production without a key
        keys = [_derived_key(settings.SECRET_KEY)]
        public = getattr(settings, "TOKEN_KEY_FROM_PUBLIC_DEFAULT", "")
        if public and public != settings.SECRET_KEY:
            # Read only (the first key encrypts): tokens stored before the demo had its own
            # SECRET_KEY, until `rotate_token_key` re-encrypts them.
            keys.append(_derived_key(public))
    return MultiFernet([Fernet(key.encode()) for key in keys])


def _derived_key(secret_key: str) -> str:
    digest = hashlib.sha256(f"hatsync-tokens:{secret_key}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


@receiver(setting_changed)
def _forget_keys(*, setting, **kwargs) -> None:
    if setting in {"TOKEN_ENCRYPTION_KEYS", "SECRET_KEY", "TOKEN_KEY_FROM_PUBLIC_DEFAULT"}:
        _fernet.cache_clear()


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(value: str) -> str:
    try:
        return _fernet().decrypt(value.encode()).decode()
    except InvalidToken as error:
        raise ValueError(
            "A stored QuickBooks token cannot be decrypted: TOKEN_ENCRYPTION_KEY changed "
            "(in development: var/secret_key was removed or replaced). Reconnect to QuickBooks."
        ) from error


def rotate(ciphertext: str) -> str:
    """The same token encrypted with the newest key (the first of TOKEN_ENCRYPTION_KEYS)."""
    try:
        return _fernet().rotate(ciphertext.encode()).decode()
    except InvalidToken as error:
        raise ValueError(
            "A stored QuickBooks token cannot be decrypted with any TOKEN_ENCRYPTION_KEY."
        ) from error


class EncryptedTextField(models.TextField):
    """Stores Fernet ciphertext; Python code only ever sees the plain value."""

    def from_db_value(self, value, expression, connection):
        return decrypt(value) if value else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return encrypt(value) if value else value
