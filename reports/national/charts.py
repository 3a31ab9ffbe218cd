"""Bar charts as server-rendered SVG: no script, prints and converts to PDF as it is.

The chart is a picture of numbers the page also gives as a table; it carries a title and a
description for assistive technology, and every bar is labelled in text, not colour alone.
"""

import textwrap
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

# GOV.UK colours: bars in blue on a light grey track, text in the body colour.
BAR_COLOUR = "#1d70b8"
TRACK_COLOUR = "#f3f2f1"
TEXT_COLOUR = "#0b0c0c"
ROW_HEIGHT = 32
BAR_HEIGHT = 20
LABEL_WIDTH = 300
BAR_WIDTH = 360
VALUE_WIDTH = 70
MAX_LABEL_CHARS = 36  # characters of 14px text that fit in LABEL_WIDTH on one line
LINE_HEIGHT = 17


@dataclass(frozen=True)
class Bar:
    label: str
    percent: float | None  # None: nothing to measure (no trust assessed); drawn as "n/a"


def bar_chart(chart_id: str, title: str, description: str, bars: list[Bar]) -> SafeString:
    """A horizontal bar chart of percentages (0-100) as inline SVG markup with role="img".

    A long label wraps onto a second line (a third only for a very long one); it is never cut."""
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    labels = [_wrapped(bar.label) for bar in bars]
    heights = [max(ROW_HEIGHT, len(lines) * LINE_HEIGHT + 12) for lines in labels]
    tops = [sum(heights[:index]) for index in range(len(bars))]
    height = max(sum(heights), ROW_HEIGHT)
    rows = format_html_join(
        "",
        "{}",
        (
            (_bar(top, row_height, lines, bar),)
            for top, row_height, lines, bar in zip(tops, heights, labels, bars, strict=True)
        ),
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" role="img" '
        'aria-labelledby="{id}-title {id}-desc" viewBox="0 0 {width} {height}" '
        'width="{width}" height="{height}" preserveAspectRatio="xMinYMin meet">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>{rows}</svg>',
        id=chart_id,
        width=width,
        height=height,
        title=title,
        desc=description,
        rows=rows,
    )


def _bar(top: float, row_height: float, lines: list[str], bar: Bar) -> SafeString:
    middle = top + row_height / 2
    text_y = middle + 5
    bar_y = middle - BAR_HEIGHT / 2
    first_line_y = middle + 5 - (len(lines) - 1) * LINE_HEIGHT / 2
    length = 0 if bar.percent is None else round(BAR_WIDTH * max(0.0, min(bar.percent, 100.0)) / 100, 1)
    value = "n/a" if bar.percent is None else f"{bar.percent:.1f}%"
    label = format_html_join(
        "",
        '<tspan x="0" y="{}">{}</tspan>',
        ((round(first_line_y + n * LINE_HEIGHT, 1), line) for n, line in enumerate(lines)),
    )
    return format_html(
        '<g><text font-size="14" fill="{text}">{label}</text>'
        '<rect x="{x}" y="{bar_y}" width="{track}" height="{bar_h}" fill="{track_colour}"/>'
        '<rect x="{x}" y="{bar_y}" width="{length}" height="{bar_h}" fill="{bar_colour}"/>'
        '<text x="{value_x}" y="{text_y}" font-size="14" fill="{text}">{value}</text></g>',
        text_y=round(text_y, 1),
        bar_y=round(bar_y, 1),
        x=LABEL_WIDTH,
        track=BAR_WIDTH,
        bar_h=BAR_HEIGHT,
        length=length,
        value_x=LABEL_WIDTH + BAR_WIDTH + 8,
        value=value,
        label=label,
        text=TEXT_COLOUR,
        track_colour=TRACK_COLOUR,
        bar_colour=BAR_COLOUR,
    )


def _wrapped(label: str) -> list[str]:
    """The label in lines that fit beside the bar, broken at spaces: "Workforce ethnic monitoring" /
    "(race employment duty)". A word longer than a line is broken only if it must be."""
    return textwrap.wrap(label, MAX_LABEL_CHARS, break_on_hyphens=False) or [""]
