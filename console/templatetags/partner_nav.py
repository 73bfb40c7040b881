from django import template

from accounts.models import User
from tenants.selectors import partners_of_user

register = template.Library()


@register.filter
def is_partner_staff(user: object) -> bool:
    """{% if user|is_partner_staff %}: whether the signed-in user is on any partner's staff."""
    return isinstance(user, User) and partners_of_user(user).exists()
