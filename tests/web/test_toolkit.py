"""`web.toolkit`: a service's errors land on the form's fields, under the form's own name
for a service argument when the page gives one (`aliases`); a file is answered under its
name, downloaded or shown in place; of a page's several forms only the one posted is bound."""

import pytest
from django import forms

from rideau.core.errors import PermissionDenied, ValidationFailed
from rideau.web.toolkit import call_service, errors_onto, file_response, posted


class StepForm(forms.Form):
    template = forms.CharField(required=False)
    description = forms.CharField(required=False)


def test_errors_go_to_their_field_or_the_form_and_aliases_rename_them():
    form = StepForm(data={})
    assert form.is_valid()
    errors = {
        "template_id": ["Choose a message."],
        "description": ["Too long."],
        "conditions": ["No rule."],
    }
    errors_onto(form, ValidationFailed(errors), {"template_id": "template"})
    assert form.errors["template"] == ["Choose a message."]
    assert form.errors["description"] == ["Too long."]
    assert form.non_field_errors() == ["No rule."]  # no such field: the form as a whole


def test_without_aliases_an_argument_the_form_does_not_show_is_form_wide():
    form = StepForm(data={})
    assert form.is_valid()
    errors_onto(form, ValidationFailed({"template_id": ["Choose a message."]}))
    assert form.non_field_errors() == ["Choose a message."] and "template" not in form.errors


def test_a_refused_permission_is_raised_again():
    form = StepForm(data={})
    assert form.is_valid()
    with pytest.raises(PermissionDenied):
        errors_onto(form, PermissionDenied("permission_denied"))


def test_call_service_puts_a_refusal_on_the_aliased_field_and_returns_false(rf):
    form = StepForm(data={})
    assert form.is_valid()

    def refuse():
        raise ValidationFailed({"template_id": ["Choose a message."]})

    outcome = call_service(rf.post("/"), form, refuse, aliases={"template_id": "template"})
    assert not outcome and form.errors["template"] == ["Choose a message."]


@pytest.mark.parametrize(("inline", "disposition"), [(False, "attachment"), (True, "inline")])
def test_a_file_is_downloaded_or_shown_in_place_under_its_name(inline, disposition):
    response = file_response(b"a;b\n", "text/csv", "list.csv", inline=inline)
    assert response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"] == f'{disposition}; filename="list.csv"'
    assert response.content == b"a;b\n"


def test_only_the_form_named_in_the_post_is_bound(rf):
    request = rf.post("/", {"form": "batch", "batch-count": "3"})
    assert posted(request, "batch") is request.POST
    assert posted(request, "single") is None
    assert posted(rf.get("/", {"form": "batch"}), "batch") is None
    assert not StepForm(posted(request, "single")).is_bound
