"""`{% shared "name" value… %}…{% endshared %}`: a part of the page shell rendered once and
kept as a public fragment (`pagecache.cached_fragment`: per language and per version of what
public pages show, which every save of an organiser bumps), under its name and the given
values. For parts that depend on those values and the language only: never on the request,
the user, the CSRF token or the CSP nonce (`tests/web/test_shared_page.py`)."""

from django import template
from django.template.base import FilterExpression, NodeList, Parser, Token

from ..pagecache import cached_fragment

register = template.Library()


class SharedNode(template.Node):
    def __init__(self, nodelist: NodeList, values: list[FilterExpression]) -> None:
        self.nodelist = nodelist
        self.values = values

    def render(self, context: template.Context) -> str:
        key = ":".join(str(value.resolve(context)) for value in self.values)
        return cached_fragment(f"shared:{key}", lambda: self.nodelist.render(context))


@register.tag
def shared(parser: Parser, token: Token) -> SharedNode:
    values = [parser.compile_filter(bit) for bit in token.split_contents()[1:]]
    if not values:
        raise template.TemplateSyntaxError("{% shared %} needs a name")
    nodelist = parser.parse(("endshared",))
    parser.delete_first_token()
    return SharedNode(nodelist, values)
