"""Back-office custom questions of an event's products (asked per ticket at checkout).

A question has a label per organiser language and, for a choice, options written one per
line per language: line 1 of every language is the same option. Writes go through
`rideau.catalog.services` (audited, organiser-scoped, field-level errors).
"""

from django import forms
from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from rideau.catalog.models import Product, Question
from rideau.catalog.services import (
    OPTION_LENGTH,
    QUESTION_LABEL_LENGTH,
    create_question,
    delete_question,
    move_question,
    update_question,
)
from rideau.core.access import get_scoped_or_404
from rideau.core.errors import RideauError
from rideau.core.i18n import localize
from rideau.core.models import Organizer
from rideau.events.models import Event

from ...decorators import Request
from ...forms import I18nForm
from ..collection import events_view
from .views import tab_collection, tab_delete, tab_edit

MOVES = {"up": -1, "down": 1}


class ProductChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Product) -> str:
        return localize(obj.name) or str(obj)


class QuestionForm(I18nForm):
    i18n = {
        "label": (_("Question"), True, QUESTION_LABEL_LENGTH, 0),
        "choices": (_("Options"), False, 20000, 4),
    }

    product = ProductChoiceField(label=_("Product"), queryset=Product.objects.none())
    kind = forms.ChoiceField(label=_("Kind of answer"), choices=Question.Kind.choices)
    required = forms.BooleanField(label=_("An answer is required"), required=False)

    def __init__(self, *args, organizer: Organizer, products, question=None, **kwargs):
        if question is not None:
            languages = list(organizer.languages)
            kwargs["values"] = {
                "label": question.label,
                "choices": {
                    code: "\n".join(
                        (option.get(code, "") if isinstance(option, dict) else str(option))
                        for option in question.choices or []
                    )
                    for code in languages
                },
            }
            kwargs["initial"] = {
                "product": question.product_id,
                "kind": question.kind,
                "required": question.required,
            }
        super().__init__(*args, organizer=organizer, **kwargs)
        self.fields["product"].queryset = products
        for code in self.languages:
            self.fields[f"choices_{code}"].help_text = _(
                "For a choice only: one option per line. Line 1 is the same option in every "
                "language; leave a language empty to show the first language's text."
            )

    def _lines(self, code: str) -> list[str]:
        text = self.cleaned_data.get(f"choices_{code}") or ""
        lines = [line.strip() for line in text.split("\n")]
        while lines and not lines[-1]:
            lines.pop()
        return lines

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        self.options: list[dict[str, str]] = []
        if cleaned.get("kind") != Question.Kind.CHOICE:
            return cleaned
        given = {code: lines for code in self.languages if (lines := self._lines(code))}
        counts = {len(lines) for lines in given.values()}
        if len(counts) > 1:
            first = next(iter(given))
            for code, lines in given.items():
                if len(lines) != len(given[first]):
                    self.add_error(
                        f"choices_{code}",
                        _(
                            "%(n)d lines here, %(m)d in the first language: give every option "
                            "on the same line in each language."
                        )
                        % {"n": len(lines), "m": len(given[first])},
                    )
            return cleaned
        for row in zip(*given.values(), strict=True):
            option = {code: text for code, text in zip(given, row, strict=True) if text}
            if option:  # a line left blank in every language is skipped
                self.options.append(option)
        for number, option in enumerate(self.options, start=1):
            for code, text in option.items():
                if len(text) > OPTION_LENGTH:
                    self.add_error(
                        f"choices_{code}",
                        _("Line %(number)d is longer than %(n)d characters.")
                        % {"number": number, "n": OPTION_LENGTH},
                    )
        return cleaned

    def changes(self) -> dict:
        data = self.cleaned_data
        return {
            "product": data["product"],
            "label": self.i18n_value("label"),
            "kind": data["kind"],
            "required": data["required"],
            "choices": self.options,
        }


def _products(event: Event):
    return Product.objects.filter(event=event, organizer_id=event.organizer_id).order_by(
        "position", "pk"
    )


def _questions(event: Event):
    return Question.objects.filter(
        product__event=event, product__organizer_id=event.organizer_id
    ).select_related("product__organizer")


@events_view
def event_questions(request: Request, organizer: Organizer, event: Event) -> HttpResponse:
    """The event's products with their questions, and a form to add a question."""
    products = _products(event)
    form = QuestionForm(request.POST or None, organizer=organizer, products=products)

    def write():
        changes = form.changes()
        product = changes.pop("product")
        create_question(product, actor=request.actor, **changes)

    return tab_collection(
        request,
        organizer,
        event,
        "questions",
        form=form,
        create=write,
        done=_("The question has been added."),
        rows=products.prefetch_related(
            Prefetch("questions", queryset=Question.objects.order_by("position", "pk"))
        ),
        name="products",
        invalid_status=422,
    )


@events_view
def event_question_edit(
    request: Request, organizer: Organizer, event: Event, question: int
) -> HttpResponse:
    obj = get_scoped_or_404(_questions(event), organizer, pk=question)
    form = QuestionForm(
        request.POST or None, organizer=organizer, products=_products(event), question=obj
    )
    return tab_edit(
        request,
        organizer,
        event,
        "questions",
        form=form,
        save=lambda: update_question(obj, actor=request.actor, **form.changes()),
        done=_("The question has been saved."),
        template="web/events_admin/question.html",
        invalid_status=422,
        extra={"question": obj},
    )


event_question_delete = tab_delete(
    "questions",
    "question",
    Question,
    delete_question,
    _("The question has been deleted."),
    path="product__event",
)


@events_view
@require_POST
def event_question_move(
    request: Request, organizer: Organizer, event: Event, question: int
) -> HttpResponse:
    obj = get_scoped_or_404(_questions(event), organizer, pk=question)
    offset = MOVES.get(request.POST.get("direction", ""))
    if offset is None:
        messages.error(request, _("Choose up or down."))
    else:
        try:
            move_question(obj, actor=request.actor, offset=offset)
        except RideauError as exc:
            if exc.status == 403:
                raise
            messages.error(request, exc.message)
    return redirect("web:events-admin-questions", organizer=organizer.slug, event=event.slug)
