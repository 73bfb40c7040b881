"""URLs of the tenant administrator's org chart screens, included at manage/ in
config/urls_tenant.py (namespace "manage")."""

from django.urls import path

from eoffice.views import holidays, org_history, reported, settings_admin, sign_ins
from eoffice.views.org_admin import (
    delegations,
    imports,
    officers,
    offices,
    overview,
    postings,
    posts,
    transfers,
)

app_name = "manage"

urlpatterns = [
    path("", overview.index, name="index"),
    path("offices/new/", offices.office_create, name="office_create"),
    path("offices/<int:pk>/", offices.office_detail, name="office"),
    path("offices/<int:pk>/rename/", offices.office_rename, name="office_rename"),
    path("offices/<int:pk>/move/", offices.office_move, name="office_move"),
    path("posts/new/", posts.post_create, name="post_create"),
    path("posts/<int:pk>/", posts.post_detail, name="post"),
    path("posts/<int:pk>/postings/new/", postings.posting_create, name="posting_create"),
    path("posts/<int:pk>/transfer/", transfers.transfer, name="transfer"),
    path(
        "posts/<int:pk>/delegations/new/",
        delegations.delegation_create,
        name="delegation_create",
    ),
    path("postings/<int:pk>/end/", postings.posting_end, name="posting_end"),
    path("delegations/", delegations.delegations, name="delegations"),
    path("delegations/<int:pk>/revoke/", delegations.delegation_revoke, name="delegation_revoke"),
    path("officers/<int:pk>/invite/", officers.officer_invite, name="officer_invite"),
    path("import/", imports.import_chart, name="import"),
    path("import/<slug:table>.csv", imports.import_template, name="import_template"),
    path("settings/", settings_admin.registry_settings, name="settings"),
    path("history/", org_history.history, name="history"),
    path("sign-ins/", sign_ins.held_back, name="sign_ins"),
    path("figures/", reported.implementation_figures, name="figures"),
    path("holidays/", holidays.holidays, name="holidays"),
    path("holidays/new/", holidays.holiday_add, name="holiday_add"),
    path("holidays/<int:pk>/withdraw/", holidays.holiday_withdraw, name="holiday_withdraw"),
    path("settings/categories/", settings_admin.category_add, name="category_add"),
    path("settings/categories/<int:pk>/", settings_admin.category_toggle, name="category_toggle"),
]
