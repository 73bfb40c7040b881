"""URLs of a tenant's e-office (<tenant>.PLATFORM_DOMAIN or its custom domain)."""

from django.urls import include, path

from eoffice.views import actions, items, language, notices, registry, trays
from eoffice.views import org_chart as eoffice_views

urlpatterns = [
    path("", eoffice_views.home, name="home"),
    path("directory/", eoffice_views.directory, name="directory"),
    path("org-chart/", eoffice_views.org_chart, name="org_chart"),
    path("inbox/", trays.inbox, name="inbox"),
    path("receipts/", registry.receipt_register, name="register"),
    path("receipts/new/", registry.new_receipt, name="receipt_new"),
    path("files/new/", registry.new_file, name="file_new"),
    path("items/<int:pk>/", items.item_page, name="item"),
    path("items/<int:pk>/history/", items.history, name="item_history"),
    path("items/<int:pk>/forward/", actions.forward, name="item_forward"),
    path("items/<int:pk>/return/", actions.send_back, name="item_return"),
    path("items/<int:pk>/pull-back/", actions.pull_back, name="item_pull_back"),
    path("items/<int:pk>/park/", actions.park, name="item_park"),
    path("items/<int:pk>/unpark/", actions.unpark, name="item_unpark"),
    path("items/<int:pk>/close/", actions.close, name="item_close"),
    path("items/<int:pk>/reopen/", actions.reopen, name="item_reopen"),
    path("items/<int:pk>/put-in-file/", actions.put_in_file, name="item_put_in_file"),
    path("items/<int:pk>/attach/", actions.attach, name="item_attach"),
    path("items/<int:pk>/note/", actions.save_note, name="item_note"),
    path("items/<int:pk>/notes/<int:note_pk>/", actions.change_draft, name="item_draft"),
    path("documents/<int:pk>/", items.document, name="document"),
    path("notices/", notices.notices, name="notices"),
    path("notices/read/", notices.mark_read, name="notices_read"),
    path("language/", language.switch_language, name="switch_language"),
    path("manage/", include("eoffice.urls_org_admin")),
    path("accounts/", include("accounts.urls")),
]
