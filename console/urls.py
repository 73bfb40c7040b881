from django.urls import path

from console import views

app_name = "console"
urlpatterns = [
    path("tenants/", views.tenant_list, name="tenants"),
    path("tenants/refresh-figures/", views.refresh_figures, name="refresh_figures"),
    path("partner/", views.partner_portal, name="partner"),
]
