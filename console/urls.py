from django.urls import path

from console import application_views, lifecycle_views, views

app_name = "console"
urlpatterns = [
    path("tenants/", views.tenant_list, name="tenants"),
    path("tenants/refresh-figures/", views.refresh_figures, name="refresh_figures"),
    path("tenants/<int:pk>/", views.tenant_detail, name="tenant"),
    path(
        "tenants/<int:pk>/suspend/",
        views.change_tenant_state,
        {"action": "suspend"},
        name="suspend",
    ),
    path(
        "tenants/<int:pk>/resume/",
        views.change_tenant_state,
        {"action": "resume"},
        name="resume",
    ),
    path("partner/", views.partner_portal, name="partner"),
    path("applications/", application_views.application_list, name="applications"),
    path("applications/<int:pk>/", application_views.application_detail, name="application"),
    path("applications/<int:pk>/approve/", application_views.approve, name="approve"),
    path("applications/<int:pk>/reject/", application_views.reject, name="reject"),
    path(
        "tenants/<int:pk>/provisioning/",
        application_views.provisioning_panel,
        name="provisioning",
    ),
    path("tenants/<int:pk>/retry/", application_views.retry, name="retry"),
    path("tenants/<int:pk>/archive/", lifecycle_views.archive, name="archive"),
    path("tenants/<int:pk>/archive/card/", lifecycle_views.archive_card, name="archive_card"),
    path("tenants/<int:pk>/delete/", lifecycle_views.delete, name="delete"),
    path("tenants/<int:pk>/restore/", lifecycle_views.restore, name="restore"),
]
