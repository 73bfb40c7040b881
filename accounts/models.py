from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields: object) -> "User":
        if not email:
            raise ValueError("An account needs an e-mail address.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields: object) -> "User":
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields: object) -> "User":
        fields.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in to one plane.

    In `public` an account is a federal administrator (`is_staff`) or a partner vendor's user;
    in a tenant schema it is an officer of that e-office (`is_staff`: its tenant administrator).
    The same e-mail in two schemas is two unrelated accounts.
    """

    # Stored lower-cased (see save), so a plain unique index is case-insensitive in effect.
    email = models.EmailField("e-mail address", unique=True)
    full_name = models.CharField(max_length=150)
    is_staff = models.BooleanField(
        "administrator",
        default=False,
        help_text="Federal administrator on the control plane; tenant administrator in a tenant.",
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    # The officer's own choice of interface language (see config.settings.LANGUAGES).
    language = models.CharField(max_length=10, default="en")

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class ActiveDay(models.Model):
    """A day on which an account was signed in (the day in settings.TIME_ZONE).

    One row per account and day, written at sign-in and by the first request of each day of a
    longer session (accounts.middleware.ActiveDayMiddleware). Billing counts a seat as an
    officer with an active day in the month, and the daily usage reads these rows.
    """

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="active_days")
    day = models.DateField()

    class Meta:
        ordering = ["day", "user"]
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="one_active_day_per_user")
        ]
        indexes = [models.Index(fields=["day"], name="active_day_by_day")]

    def __str__(self) -> str:
        return f"{self.user} on {self.day}"
