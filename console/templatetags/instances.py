from django import template

register = template.Library()

_UNITS = ("kB", "MB", "GB", "TB", "PB")


@register.filter
def storage(size_bytes: int | None) -> str:
    """Bytes in decimal units (10^3, as storage is billed), two decimals past bytes:
    '2.50 GB', '512 B'; '—' when unknown."""
    if size_bytes is None:
        return "—"
    if size_bytes < 1000:
        return f"{size_bytes} B"
    size = float(size_bytes)
    for unit in _UNITS:
        size /= 1000
        if size < 1000 or unit == _UNITS[-1]:
            return f"{size:,.2f} {unit}"
    raise AssertionError("unreachable")
