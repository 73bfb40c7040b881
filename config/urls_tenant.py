"""URLs of a tenant's e-office (<tenant>.PLATFORM_DOMAIN or its custom domain)."""

from django.urls import include, path

from eoffice.views import org_chart as eoffice_views

urlpatterns = [
    path("", eoffice_views.home, name="home"),
    path("directory/", eoffice_views.directory, name="directory"),
    path("org-chart/", eoffice_views.org_chart, name="org_chart"),
    path("accounts/", include("allauth.urls")),
]
