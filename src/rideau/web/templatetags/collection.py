"""`{% collection %}`: the table of a back-office list, written once.

    {% load collection %}
    {% collection dates empty=_("No dates yet.") %}
      <th scope="col">…</th>…                      (the header cells)
    {% row date %}
      <tr>…</tr>                                   (one row, `date` being the row)
    {% endcollection %}

gives the list's frame — a scrollable striped table that stacks on phones, then the page
links (`web/_pagination.html`, from the context's `page`) — or the `empty` sentence when
there is no row. `stack=False` keeps the table unstacked on phones; `caption` names the table
for screen readers; `css` adds classes to the table; `paginate=False` leaves out the page links
(a table repeated on a page, such as each product's rates). A row sees `forloop` (`first`, `last`,
`counter`, `counter0`) as in a `{% for %}`.

`{% columns _("Name") _("City") hidden=_("Actions") %}` writes a table's header cells, one
`<th scope="col">` a label; `hidden` adds a last column named for screen readers only.
"""

from django import template
from django.template.base import FilterExpression, NodeList
from django.template.context import Context
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


class CollectionNode(template.Node):
    def __init__(
        self,
        rows: FilterExpression,
        options: dict[str, FilterExpression],
        head: NodeList,
        name: str,
        body: NodeList,
    ):
        self.rows, self.options, self.head, self.name, self.body = rows, options, head, name, body

    def render(self, context: Context) -> SafeString:
        rows = self.rows.resolve(context)
        options = {key: value.resolve(context) for key, value in self.options.items()}
        if not rows:
            return format_html("<p>{}</p>", options.get("empty", ""))
        cells = []
        last = len(rows) - 1
        for index, row in enumerate(rows):
            loop = {"counter0": index, "counter": index + 1}
            loop.update(first=index == 0, last=index == last)
            with context.push(**{self.name: row, "forloop": loop}):
                cells.append(self.body.render(context))
        table = "striped stack" if options.get("stack", True) else "striped"
        if options.get("css"):
            table = f"{table} {options['css']}"
        caption = options.get("caption")
        if caption:
            caption = format_html('<caption class="visually-hidden">{}</caption>\n  ', caption)
        pagination = ""
        if options.get("paginate", True):
            assert context.template is not None  # rendered within a template
            engine = context.template.engine
            pagination = engine.get_template("web/_pagination.html").render(context)
        return mark_safe(  # noqa: S308 (every part is rendered by the template engine)
            f'<div class="overflow-auto">\n<table class="{conditional_escape(table)}">\n'
            f"  {caption or ''}<thead><tr>{self.head.render(context)}</tr></thead>\n"
            f"  <tbody>{''.join(cells)}</tbody>\n</table>\n</div>\n{pagination}"
        )


@register.simple_tag
def columns(*labels: str, hidden: str = "") -> SafeString:
    """The header cells of a table, written once for every list."""
    cells = [format_html('<th scope="col">{}</th>', label) for label in labels]
    if hidden:
        cells.append(
            format_html('<th scope="col"><span class="visually-hidden">{}</span></th>', hidden)
        )
    return mark_safe("\n    ".join(cells))  # noqa: S308 (each cell is escaped by format_html)


@register.tag("collection")
def collection(parser: template.base.Parser, token: template.base.Token) -> CollectionNode:
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError(
            "{% collection rows [empty=…] [stack=…] [caption=…] [css=…] [paginate=…] %}"
        )
    options = template.base.token_kwargs(bits[2:], parser)
    head = parser.parse(("row",))
    row = parser.next_token().split_contents()
    if len(row) != 2:
        raise template.TemplateSyntaxError("{% row name %} names the row")
    body = parser.parse(("endcollection",))
    parser.delete_first_token()
    return CollectionNode(parser.compile_filter(bits[1]), options, head, row[1], body)
