from django.db import models


class SchemaBlueprint(models.Model):
    """The script that creates a tenant schema, for one set of tenant migrations.

    Made from the template schema's dump (see provisioning.blueprint); the schema's name is left
    open in it. Never edited: a new set of migrations gets a new blueprint.
    """

    fingerprint = models.CharField(max_length=64, unique=True)
    sql = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"blueprint {self.fingerprint[:12]} ({self.created_at:%Y-%m-%d %H:%M})"
