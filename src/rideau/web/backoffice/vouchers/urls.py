"""Back-office discount codes, included under /control/<organizer>/vouchers/."""

from django.urls import path

from . import views as vouchers

urlpatterns = [
    path("", vouchers.voucher_list, name="vouchers-admin"),
    path("<int:voucher>/", vouchers.voucher_edit, name="vouchers-admin-voucher"),
    path(
        "<int:voucher>/deactivate/",
        vouchers.voucher_deactivate,
        name="vouchers-admin-deactivate",
    ),
]
