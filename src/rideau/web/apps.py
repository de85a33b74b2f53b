from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "rideau.web"
    label = "web"

    def ready(self) -> None:
        from rideau.catalog.models import Product, Rate
        from rideau.core.models import Organizer
        from rideau.events.models import Event, EventDate, FestivalPage
        from rideau.partners.models import Partner, PartnerLevel
        from rideau.venues.models import Location, Venue

        from . import pagecache

        pagecache.connect(Organizer, Event, EventDate, FestivalPage, Venue, Location)
        pagecache.connect(Partner, PartnerLevel)  # the event page lists its partners
        pagecache.connect(Product, Rate)  # and its "from" price
