"""The `fields` filter: a page's inputs in its own order, a translatable field in each
language, two joined by `+` side by side in one row of `web/_form.html`."""

from django import forms
from django.template import Context, Template

from rideau.web.templatetags.fields import Pair, fields


class SpanForm(forms.Form):
    start = forms.CharField()
    end = forms.CharField()
    note = forms.CharField()


def test_names_give_inputs_and_a_plus_gives_a_pair():
    form = SpanForm()
    chosen = fields(form, "note start+end missing")
    assert [f.name for f in chosen[:1]] == ["note"]
    assert chosen[1] == Pair(form["start"], form["end"])
    assert len(chosen) == 2


def test_a_pair_is_laid_out_side_by_side():
    html = Template(
        '{% load fields %}{% include "web/_form.html" with fields=form|fields:"start+end note" %}'
    ).render(Context({"form": SpanForm()}))
    grid = html[html.index('<div class="grid">') : html.index('name="note"')]
    assert 'name="start"' in grid and 'name="end"' in grid
