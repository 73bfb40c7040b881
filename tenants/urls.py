from django.urls import path

from tenants import views

urlpatterns = [
    path("", views.apply_step, {"slug": "organisation"}, name="apply_start"),
    path("review/", views.apply_review, name="apply_review"),
    path("submitted/", views.apply_submitted, name="apply_submitted"),
    path("templates/<slug:table>.csv", views.csv_template, name="apply_csv_template"),
    path("<slug:slug>/", views.apply_step, name="apply"),
]
