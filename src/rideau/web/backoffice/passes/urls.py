"""Back office of passes, included under /control/<organizer>/passes/."""

from django.urls import path

from ..collection import collection_urls
from . import views

urlpatterns = [
    path("", views.pass_list, name="passes-admin"),
    path("export.csv", views.pass_export, name="passes-export"),
    path("<int:pass_id>/", views.pass_detail, name="passes-pass"),
    path("seasons/", views.season_list, name="passes-seasons"),
    path("seasons/<int:season_id>/", views.season_detail, name="passes-season"),
    path("products/", views.product_list, name="passes-products"),
    path("products/<int:pass_product>/", views.product_detail, name="passes-product"),
    path("products/<int:pass_product>/update/", views.product_update, name="passes-product-update"),
    path("updates/<int:update_id>/", views.update_detail, name="passes-update"),
    *collection_urls(
        "renewals/",
        "passes-renewal",
        "campaign",
        rows=views.campaign_list,
        row=views.campaign_detail,
        delete=views.campaign_delete,
    ),
    path("payouts/", views.payout_list, name="passes-payouts"),
    path("payouts/<int:resale_id>/paid/", views.payout_done, name="passes-payout-done"),
]
