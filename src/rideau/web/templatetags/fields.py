"""`{{ form|fields:"name kind price" }}`: some of a form's inputs, in the order a page shows them.

A name of a translatable field (`I18nForm.i18n`) stands for its input in each language. The
list goes to `web/_post_form.html` (or `web/_form.html`) as `fields`, so that a page showing a
form's fields in its own order still writes its form once.
"""

from django import forms, template

register = template.Library()


@register.filter
def fields(form: forms.BaseForm, names: str) -> list[forms.BoundField]:
    groups = getattr(form, "i18n", {})
    chosen: list[forms.BoundField] = []
    for name in names.split():
        if name in groups:
            chosen.extend(form[f"{name}_{code}"] for code in form.languages)  # type: ignore[attr-defined]
        elif name in form.fields:
            chosen.append(form[name])
    return chosen
