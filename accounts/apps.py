from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from accounts.active_days import on_sign_in

        user_logged_in.connect(on_sign_in, dispatch_uid="accounts_active_day")
