"""Re-encrypt the stored QuickBooks tokens with the newest TOKEN_ENCRYPTION_KEY.

To rotate: put the new key first (TOKEN_ENCRYPTION_KEY=new,old), restart web and workers, run
this command, then remove the old key.
"""

from django.core.management.base import BaseCommand

from integrations.services.tokens import connection_tokens_rotate_key


class Command(BaseCommand):
    help = "Re-encrypt every stored QuickBooks token with the first TOKEN_ENCRYPTION_KEY."

    def handle(self, *args, **options):
        count = connection_tokens_rotate_key()
        self.stdout.write(
            f"Re-encrypted the tokens of {count} QuickBooks connection(s) with the newest key. "
            "The older keys can now be removed from TOKEN_ENCRYPTION_KEY."
        )
