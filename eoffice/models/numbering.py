"""Counters behind diary and file numbers, and the tenant's file numbering pattern."""

from django.db import models


class DiaryCounter(models.Model):
    """The last diary number given in a year. Incremented in the registering transaction, so a
    failed registration gives its number back and the diary has no gaps."""

    year = models.PositiveSmallIntegerField(unique=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"diary {self.year}: {self.last_number}"


class FileCounter(models.Model):
    """The last serial given to files whose numbers agree on everything but the serial."""

    key = models.CharField(max_length=200, unique=True)
    last_serial = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}: {self.last_serial}"


class FileNumbering(models.Model):
    """The tenant's pattern for file numbers (one row). Tokens: {office}, {category}, {serial},
    {year}; {serial} is required."""

    pattern = models.CharField(max_length=100, default="{office}/{serial}/{year}")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.pattern
