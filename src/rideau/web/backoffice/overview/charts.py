"""Server-rendered inline SVG charts of the event overview (no JavaScript library)."""

import datetime
from decimal import Decimal

from django.utils.formats import date_format, number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

# colours distinguishable in print and by most colour-blind readers (Okabe–Ito)
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442"]
WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 88, 16, 48  # the right margin holds "12 345 EUR"


def sales_chart(
    days: list[datetime.date], series: dict[str, list[tuple[int, Decimal]]], *, currency: str
) -> SafeString:
    """Stacked bars of tickets sold per rate per day, and a line of the cumulative revenue.

    Returns "" when nothing was sold. Every bar and point carries a <title> (a tooltip and
    the accessible text); a legend names the rates.
    """
    if not days:
        return mark_safe("")
    per_day_tickets = [sum(values[i][0] for values in series.values()) for i in range(len(days))]
    cumulative: list[Decimal] = []
    running = Decimal("0")
    for i in range(len(days)):
        running += sum((values[i][1] for values in series.values()), Decimal("0"))
        cumulative.append(running)
    max_tickets = max(per_day_tickets) or 1
    max_revenue = max(cumulative) or Decimal("1")
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    step = plot_w / len(days)
    bar_w = max(2.0, step * 0.6)
    # outside the f-strings below: makemessages does not read calls inside f-strings
    title = _("Tickets sold per day and revenue")
    revenue_label = _("Revenue so far (dashed line, right scale)")
    height = HEIGHT + 24 * (len(series) + 1)  # the legend: the rates, then the line
    parts = [
        f'<svg class="sales-chart" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'xmlns="http://www.w3.org/2000/svg" aria-labelledby="sales-chart-title">',
        f'<title id="sales-chart-title">{escape(title)}</title>',
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}" '
        'stroke="currentColor" stroke-width="1"/>',
        f'<text x="{LEFT - 6}" y="{TOP + 10}" text-anchor="end" font-size="11">'
        f"{max_tickets}</text>",
        f'<text x="{LEFT - 6}" y="{TOP + plot_h}" text-anchor="end" font-size="11">0</text>',
        f'<text x="{WIDTH - 2}" y="{TOP + 10}" text-anchor="end" font-size="11">'
        f"{escape(number_format(max_revenue, 0, force_grouping=True))} {escape(currency)}</text>",
        f'<text x="{WIDTH - 2}" y="{TOP + plot_h}" text-anchor="end" font-size="11">0</text>',
    ]
    for i, day in enumerate(days):
        x = LEFT + step * i + (step - bar_w) / 2
        base: float = TOP + plot_h
        for colour, (label, values) in zip(_cycle(len(series)), series.items(), strict=True):
            count, revenue = values[i]
            if not count:
                continue
            h = plot_h * count / max_tickets
            base -= h
            tip = _("%(rate)s, %(day)s: %(count)s tickets, %(revenue)s %(currency)s") % {
                "rate": label,
                "day": date_format(day, "SHORT_DATE_FORMAT"),
                "count": count,
                "revenue": number_format(revenue, 2),
                "currency": currency,
            }
            parts.append(
                f'<rect x="{x:.1f}" y="{base:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{colour}"><title>{escape(tip)}</title></rect>'
            )
        if len(days) <= 14 or i in (0, len(days) - 1):
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{TOP + plot_h + 16}" text-anchor="middle" '
                f'font-size="11">{escape(date_format(day, "SHORT_DATE_FORMAT"))}</text>'
            )
    points = " ".join(
        f"{LEFT + step * i + step / 2:.1f},{TOP + plot_h - float(plot_h * value / max_revenue):.1f}"
        for i, value in enumerate(cumulative)
    )
    revenue_tip = _("Revenue so far: %(total)s %(currency)s") % {
        "total": number_format(cumulative[-1], 2),
        "currency": currency,
    }
    parts.append(
        f'<polyline class="revenue" points="{points}" fill="none" stroke="currentColor" '
        f'stroke-width="2" stroke-dasharray="4 3"><title>{escape(revenue_tip)}</title></polyline>'
    )
    legend_y = HEIGHT
    for colour, label in zip(_cycle(len(series)), series, strict=True):
        parts.append(
            f'<rect x="{LEFT}" y="{legend_y - 10}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{LEFT + 18}" y="{legend_y}" font-size="12">{escape(label)}</text>'
        )
        legend_y += 24
    parts.append(
        f'<line x1="{LEFT}" y1="{legend_y - 4}" x2="{LEFT + 12}" y2="{legend_y - 4}" '
        'stroke="currentColor" stroke-width="2" stroke-dasharray="4 3"/>'
        f'<text x="{LEFT + 18}" y="{legend_y}" font-size="12">{escape(revenue_label)}</text>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text above is escaped)


def _cycle(n: int) -> list[str]:
    return [PALETTE[i % len(PALETTE)] for i in range(n)]
