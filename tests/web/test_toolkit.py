"""`web.toolkit.errors_onto`: a service's errors land on the form's fields, under the
form's own name for a service argument when the page gives one (`aliases`)."""

import pytest
from django import forms

from rideau.core.errors import PermissionDenied, ValidationFailed
from rideau.web.toolkit import errors_onto


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
