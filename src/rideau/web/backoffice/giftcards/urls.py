"""Back-office gift vouchers, included under /control/<organizer>/giftcards/."""

from django.urls import path

from . import views as giftcards

urlpatterns = [
    path("", giftcards.voucher_list, name="giftcards-admin"),
    path("export.csv", giftcards.voucher_export, name="giftcards-admin-export"),
    path("<int:giftvoucher>/", giftcards.voucher_page, name="giftcards-admin-voucher"),
    path("<int:giftvoucher>/card.pdf", giftcards.voucher_card, name="giftcards-admin-card"),
]
