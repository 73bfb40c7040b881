"""The forms of the partner portal's staff and cards pages."""

from django import forms

from console.forms import OwnIds
from tenants.models import PartnerMembership


class InviteStaffForm(OwnIds):
    id_prefix = "invite"

    email = forms.EmailField(label="E-mail", max_length=254)
    full_name = forms.CharField(label="Full name", max_length=200)
    role = forms.ChoiceField(
        choices=PartnerMembership.Role.choices,
        initial=PartnerMembership.Role.SUPPORT,
        help_text=(
            "Owners manage the staff and see everything; billing staff see invoices and "
            "payment methods; support staff see the e-offices but no amounts."
        ),
    )


class RemoveStaffForm(OwnIds):
    id_prefix = "remove"

    confirm = forms.BooleanField(
        label="I understand they lose access to this partner's portal at once.",
        error_messages={"required": "Tick the box to confirm."},
    )


class RemoveCardForm(OwnIds):
    id_prefix = "remove_card"

    confirm = forms.BooleanField(
        label="I understand invoices can no longer be charged to this card.",
        error_messages={"required": "Tick the box to confirm."},
    )
