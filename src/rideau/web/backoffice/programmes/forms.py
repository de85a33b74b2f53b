"""Back-office form of a multi-event page (D9)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from rideau.core.models import Organizer

from ...forms import I18nForm, short_name_field


class FestivalPageForm(I18nForm):
    i18n = {
        "title": (_("Title"), True, 200, 0),
        "description": (_("Description"), False, 20000, 5),
    }

    slug = short_name_field(
        _("Short name"), _("Used in the page's address: letters, digits and hyphens.")
    )
    published = forms.BooleanField(label=_("Published"), required=False)
    cover = forms.ImageField(
        label=_("Cover image"),
        required=False,
        help_text=_("PNG, JPEG, GIF or WebP, at most 5 MB; resized to 1600 pixels wide."),
    )
    remove_cover = forms.BooleanField(label=_("Remove the cover image"), required=False)

    def __init__(self, *args, organizer: Organizer, page=None, **kwargs):
        values, initial = {}, {}
        if page is not None:
            values = {"title": page.title, "description": page.description}
            initial = {"slug": page.slug, "published": page.published}
        super().__init__(*args, organizer=organizer, values=values, initial=initial, **kwargs)
        if page is None or not page.cover:
            del self.fields["remove_cover"]

    def changes(self) -> dict:
        return {
            "slug": self.cleaned_data["slug"],
            "published": self.cleaned_data["published"],
            "title": self.i18n_value("title"),
            "description": self.i18n_value("description"),
        }
