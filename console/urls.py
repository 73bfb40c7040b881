from django.urls import path

from console import application_views, billing_views, lifecycle_views, partner_views, views

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
    path("partner/", partner_views.portal, name="partner"),
    path("partner/<int:partner_id>/", partner_views.overview, name="partner_overview"),
    path("partner/<int:partner_id>/invoices/", partner_views.invoices, name="partner_invoices"),
    path(
        "partner/<int:partner_id>/invoices/<int:pk>/",
        partner_views.invoice_detail,
        name="partner_invoice",
    ),
    path(
        "partner/<int:partner_id>/invoices/<int:pk>/pdf/",
        partner_views.invoice_pdf,
        name="partner_invoice_pdf",
    ),
    path("partner/<int:partner_id>/cards/", partner_views.cards, name="partner_cards"),
    path(
        "partner/<int:partner_id>/cards/setup/",
        partner_views.card_setup,
        name="partner_card_setup",
    ),
    path(
        "partner/<int:partner_id>/cards/record/",
        partner_views.card_record,
        name="partner_card_record",
    ),
    path(
        "partner/<int:partner_id>/cards/<str:payment_method>/default/",
        partner_views.card_default,
        name="partner_card_default",
    ),
    path(
        "partner/<int:partner_id>/cards/<str:payment_method>/remove/",
        partner_views.card_remove,
        name="partner_card_remove",
    ),
    path("partner/<int:partner_id>/staff/", partner_views.staff, name="partner_staff"),
    path("partner/<int:partner_id>/staff/invite/", partner_views.invite, name="partner_invite"),
    path(
        "partner/<int:partner_id>/staff/<int:member_id>/remove/",
        partner_views.remove,
        name="partner_remove",
    ),
    path("billing/", billing_views.overview, name="billing"),
    path("billing/revenue.csv", billing_views.revenue_csv, name="billing_revenue_csv"),
    path("billing/outstanding.csv", billing_views.outstanding_csv, name="billing_outstanding_csv"),
    path("billing/plans/", billing_views.plans, name="billing_plans"),
    path("billing/plans/price/", billing_views.new_price, name="billing_new_price"),
    path("billing/plans/new/", billing_views.new_plan, name="billing_new_plan"),
    path("billing/plans/<int:pk>/", billing_views.edit_plan, name="billing_edit_plan"),
    path("billing/events/", billing_views.events, name="billing_events"),
    path("billing/invoices/<int:pk>/", billing_views.invoice_detail, name="billing_invoice"),
    path("billing/invoices/<int:pk>/pdf/", billing_views.invoice_pdf, name="billing_invoice_pdf"),
    path(
        "billing/invoices/<int:pk>/extension/",
        billing_views.extension,
        name="billing_extension",
    ),
    path("applications/", application_views.application_list, name="applications"),
    path("applications/<int:pk>/", application_views.application_detail, name="application"),
    path("applications/<int:pk>/approve/", application_views.approve, name="approve"),
    path("applications/<int:pk>/reject/", application_views.reject, name="reject"),
    path(
        "tenants/<int:pk>/provisioning/",
        application_views.provisioning_panel,
        name="provisioning",
    ),
    path("tenants/<int:pk>/plan/", billing_views.change_tenant_plan, name="change_plan"),
    path("tenants/<int:pk>/partner/", billing_views.change_tenant_partner, name="change_partner"),
    path("tenants/<int:pk>/retry/", application_views.retry, name="retry"),
    path("tenants/<int:pk>/archive/", lifecycle_views.archive, name="archive"),
    path("tenants/<int:pk>/archive/card/", lifecycle_views.archive_card, name="archive_card"),
    path("tenants/<int:pk>/delete/", lifecycle_views.delete, name="delete"),
    path("tenants/<int:pk>/restore/", lifecycle_views.restore, name="restore"),
]
