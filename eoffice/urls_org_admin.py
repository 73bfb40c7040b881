"""URLs of the tenant administrator's org chart screens, included at manage/ in
config/urls_tenant.py (namespace "manage")."""

from django.urls import path

from eoffice.views import org_admin as views
from eoffice.views import org_history, settings_admin

app_name = "manage"

urlpatterns = [
    path("", views.index, name="index"),
    path("offices/new/", views.office_create, name="office_create"),
    path("offices/<int:pk>/", views.office_detail, name="office"),
    path("offices/<int:pk>/rename/", views.office_rename, name="office_rename"),
    path("offices/<int:pk>/move/", views.office_move, name="office_move"),
    path("posts/new/", views.post_create, name="post_create"),
    path("posts/<int:pk>/", views.post_detail, name="post"),
    path("posts/<int:pk>/postings/new/", views.posting_create, name="posting_create"),
    path("posts/<int:pk>/transfer/", views.transfer, name="transfer"),
    path("posts/<int:pk>/delegations/new/", views.delegation_create, name="delegation_create"),
    path("postings/<int:pk>/end/", views.posting_end, name="posting_end"),
    path("delegations/", views.delegations, name="delegations"),
    path("delegations/<int:pk>/revoke/", views.delegation_revoke, name="delegation_revoke"),
    path("officers/<int:pk>/invite/", views.officer_invite, name="officer_invite"),
    path("import/", views.import_chart, name="import"),
    path("import/<slug:table>.csv", views.import_template, name="import_template"),
    path("settings/", settings_admin.registry_settings, name="settings"),
    path("history/", org_history.history, name="history"),
    path("settings/categories/", settings_admin.category_add, name="category_add"),
    path("settings/categories/<int:pk>/", settings_admin.category_toggle, name="category_toggle"),
]
