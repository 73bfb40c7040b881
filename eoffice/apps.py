from django.apps import AppConfig


class EofficeConfig(AppConfig):
    name = "eoffice"
    verbose_name = "e-Office"
