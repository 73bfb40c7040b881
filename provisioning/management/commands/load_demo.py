from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from provisioning.demo import load_demo
from tenants.tasks import refresh_all_rollups


class Command(BaseCommand):
    help = "Creates the local demo (federal admin, partner, Punjab and Sindh); safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.IS_PRODUCTION:
            raise CommandError(
                "The demo has published passwords; it is never loaded in production."
            )
        created = load_demo()
        refresh_all_rollups.delay()
        if created:
            self.stdout.write(self.style.SUCCESS("Demo created: " + ", ".join(created) + "."))
        else:
            self.stdout.write("Demo already loaded; reusing it.")
