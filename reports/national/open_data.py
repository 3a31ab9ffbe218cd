"""docs/open-data.md as a page of the portal: the small Markdown it uses (headings, paragraphs, tables,
fenced code, `code` spans), rendered to GOV.UK markup. Everything is escaped; no HTML passes through."""

import re
from pathlib import Path

from django.conf import settings
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

SOURCE = Path(settings.BASE_DIR) / "docs" / "open-data.md"
HEADINGS = {2: "govuk-heading-m", 3: "govuk-heading-s"}


def title_and_body() -> tuple[str, SafeString]:
    text = SOURCE.read_text(encoding="utf-8")
    first, _, rest = text.partition("\n")
    return first.lstrip("# ").strip(), render(rest)


def _inline(text: str) -> str:
    parts = re.split(r"(`[^`]+`)", text)
    return "".join(
        f"<code>{escape(part[1:-1])}</code>" if part.startswith("`") and part.endswith("`") else escape(part)
        for part in parts
    )


def render(markdown: str) -> SafeString:
    out: list[str] = []
    examples = 0
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            block = []
            i += 1
            while i < len(lines) and not lines[i].startswith("```"):
                block.append(lines[i])
                i += 1
            i += 1
            examples += 1  # each scrolling region needs a name of its own
            out.append(
                f'<div class="app-table-wrapper" tabindex="0" role="region" aria-label="Example {examples}">'
                f'<pre class="govuk-body-s"><code>{escape(chr(10).join(block))}</code></pre></div>'
            )
            continue
        if match := re.match(r"^(#{1,3}) (.+)$", line):
            level = max(2, len(match.group(1)))  # the page's h1 is the document's title
            out.append(f'<h{level} class="{HEADINGS[level]}">{_inline(match.group(2))}</h{level}>')
            i += 1
            continue
        if line.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                cells = [cell.strip() for cell in lines[i].strip().strip("|").split("|")]
                if not all(re.fullmatch(r":?-+:?", cell) for cell in cells):
                    rows.append(cells)
                i += 1
            head, *body = rows
            out.append('<div class="app-table-wrapper" tabindex="0"><table class="govuk-table">')
            out.append('<thead class="govuk-table__head"><tr class="govuk-table__row">')
            out.extend(f'<th scope="col" class="govuk-table__header">{_inline(c)}</th>' for c in head)
            out.append('</tr></thead><tbody class="govuk-table__body">')
            for row in body:
                out.append('<tr class="govuk-table__row">')
                out.extend(f'<td class="govuk-table__cell">{_inline(c)}</td>' for c in row)
                out.append("</tr>")
            out.append("</tbody></table></div>")
            continue
        if not line.strip():
            i += 1
            continue
        paragraph = []
        while i < len(lines) and lines[i].strip() and not re.match(r"^(#{1,3} |\||```)", lines[i]):
            paragraph.append(lines[i].strip())
            i += 1
        out.append(f'<p class="govuk-body">{_inline(" ".join(paragraph))}</p>')
    return mark_safe("\n".join(out))  # noqa: S308 - every piece of text above is escaped
