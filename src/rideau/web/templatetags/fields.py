"""`{{ form|fields:"name kind price" }}`: some of a form's inputs, in the order a page shows them.

A name of a translatable field (`I18nForm.i18n`) stands for its input in each language; two
names joined by `+` (`"start+end"`) are a pair, shown side by side (`web/_field_pair.html`).
The list goes to `web/_post_form.html` (or `web/_form.html`) as `fields`, so that a page showing
a form's fields in its own order still writes its form once.
"""

from dataclasses import dataclass

from django import forms, template

register = template.Library()


@dataclass(frozen=True)
class Pair:
    """Two inputs side by side."""

    first: forms.BoundField
    second: forms.BoundField


@register.filter
def fields(form: forms.BaseForm, names: str) -> list[forms.BoundField | Pair]:
    groups = getattr(form, "i18n", {})
    chosen: list[forms.BoundField | Pair] = []
    for name in names.split():
        if "+" in name:
            first, second = name.split("+")
            chosen.append(Pair(form[first], form[second]))
        elif name in groups:
            chosen.extend(form[f"{name}_{code}"] for code in form.languages)  # type: ignore[attr-defined]
        elif name in form.fields:
            chosen.append(form[name])
    return chosen
