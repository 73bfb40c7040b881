from django.urls import path

from console import views

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
]
