"""URLs of the passes' public pages, included by `rideau.web.urls` before the catch-all
event page (`passes`, `subscriber` and `pass-renew` read as an event's slug otherwise)."""

from django.urls import include, path

from . import passes

# under /<organizer>/
organizer_patterns = [
    path("passes/", passes.pass_list, name="pass-list"),
    path("passes/<int:pass_product>/", passes.pass_buy, name="pass-buy"),
    path("passes/resale/<int:resale_id>/", passes.resale_buy, name="pass-resale-buy"),
    # the pass code is a credential: its steps are logins (rate-limited, per visitor)
    path("subscriber/login/", passes.subscriber_access, name="pass-access"),
    path("subscriber/", passes.subscriber_choose, name="pass-access-choose"),
    path("pass-renew", passes.pass_renew, name="pass-renew"),
    path("pass-renew/login/", passes.pass_renew_code, name="pass-renew-code"),
]

urlpatterns = [path("<slug:organizer>/", include(organizer_patterns))]
