from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        from billing.signals import usage_recorded
        from reports.receivers import queue_roll_up

        usage_recorded.connect(queue_roll_up, dispatch_uid="reports.queue_roll_up")
