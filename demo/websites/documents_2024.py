"""The documents of the 2024 duties (Equality Act 2010, NHS standards, accessibility, FOI), as blocks."""

from __future__ import annotations

from demo.websites.blocks import Block, pct
from demo.websites.site import Site


def edi_report(s: Site, title: str, period: str, published: str, objectives: str = "") -> list[Block]:
    total = s.spec.headcount or 4000
    rng = s.rng
    blocks: list[Block] = [
        ("h1", title),
        ("p", f"Published {published}."),
        (
            "p",
            s.fill(
                "This report sets out equality information about the patients we serve and "
                "the people we employ, as required by the public sector equality duty "
                "(Equality Act 2010 and the Specific Duties Regulations 2017), for ",
            )
            + period
            + ".",
        ),
        ("h2", "Our workforce"),
        (
            "table",
            (
                ["Protected characteristic", "Group", "Headcount", "%"],
                [
                    ["Ethnicity", "White", w := round(total * rng.uniform(0.6, 0.85)), pct(w, total)],
                    ["Ethnicity", "Black, Asian and minority ethnic", total - w - 40, pct(total - w - 40, total)],
                    ["Ethnicity", "Not stated", 40, pct(40, total)],
                    ["Disability", "Disabled", d := round(total * rng.uniform(0.04, 0.09)), pct(d, total)],
                    ["Sex", "Female", f := round(total * rng.uniform(0.72, 0.8)), pct(f, total)],
                    ["Sex", "Male", total - f, pct(total - f, total)],
                ],
            ),
        ),
        ("h2", "Our patients"),
        (
            "p",
            f"{rng.uniform(8, 30):.1f}% of patients who attended in {period} recorded an ethnic group "
            "other than White British; interpreters were booked for 11,240 appointments.",
        ),
        ("h2", "Complaints and patient experience"),
        ("p", "Complaints were analysed by protected characteristic; no group was over-represented."),
    ]
    if objectives:
        blocks += [("h2", f"Our equality objectives {objectives}"), *_objective_list()]
    return blocks


def _objective_list() -> list[Block]:
    return [
        (
            "ul",
            [
                "Objective 1: reduce the gap in appointment rates between White and Black, "
                "Asian and minority ethnic applicants after shortlisting.",
                "Objective 2: improve access to services for patients with a learning disability and autistic people.",
                "Objective 3: ensure every patient who needs an interpreter gets one.",
                "Objective 4: close the disability gap in the NHS Staff Survey on harassment.",
            ],
        )
    ]


def equality_objectives(s: Site, title: str, years: str, *, draft: bool = False) -> list[Block]:
    return [
        ("h1", title),
        *([("p", "DRAFT for consultation \u2013 not yet approved by the Board.")] if draft else []),
        (
            "p",
            s.fill(
                "Under the Equality Act 2010 (Specific Duties and Public Authorities) "
                "Regulations 2017, {trust} publishes one or more equality objectives at "
                "least every four years. Our objectives for ",
            )
            + years
            + " are:",
        ),
        *_objective_list(),
        ("p", "Progress is reported to the People Committee every six months."),
    ]


def gender_pay_gap(s: Site, title: str, year: int) -> list[Block]:
    rng = s.rng
    mean, median = rng.uniform(8, 30), rng.uniform(-3, 18)
    quartile = [rng.uniform(a, b) for a, b in ((78, 85), (80, 87), (76, 83), (55, 68))]
    return [
        ("h1", title),
        (
            "p",
            f"Snapshot date: 31 March {year}. "
            + s.fill(
                "{trust} is required by the Equality Act 2010 (Specific Duties and Public "
                "Authorities) Regulations 2017 to publish its gender pay gap.",
            ),
        ),
        (
            "table",
            (
                ["Measure", "Result"],
                [
                    ["Mean gender pay gap (hourly pay)", f"{mean:.1f}%"],
                    ["Median gender pay gap (hourly pay)", f"{median:.1f}%"],
                    ["Mean bonus gap", f"{rng.uniform(5, 40):.1f}%"],
                    ["Median bonus gap", f"{rng.uniform(-10, 30):.1f}%"],
                    ["Women receiving a bonus", f"{rng.uniform(0.1, 1):.1f}%"],
                    ["Men receiving a bonus", f"{rng.uniform(1, 6):.1f}%"],
                ],
            ),
        ),
        ("h2", "Pay quartiles"),
        (
            "table",
            (
                ["Quartile", "Women", "Men"],
                [
                    [q, f"{w:.1f}%", f"{100 - w:.1f}%"]
                    for q, w in zip(("Lower", "Lower middle", "Upper middle", "Upper"), quartile, strict=True)
                ],
            ),
        ),
        (
            "p",
            "The gap is largely explained by the higher proportion of men among medical "
            "consultants, who receive Clinical Excellence Awards.",
        ),
    ]


def wres_report(s: Site, title: str, year: int) -> list[Block]:
    rng = s.rng
    rows = [
        [f"{k}. {label}", f"{rng.uniform(a, b):.1f}{unit}", f"{rng.uniform(a, b) * m:.1f}{unit}"]
        for k, (label, a, b, m, unit) in enumerate(
            (
                ("Percentage of staff in each pay band (Band 8a and above)", 8, 14, 0.6, "%"),
                ("Relative likelihood of being appointed from shortlisting", 1, 1, 1.6, ""),
                ("Relative likelihood of entering formal disciplinary process", 1, 1, 1.4, ""),
                ("Relative likelihood of accessing non-mandatory training", 1, 1, 0.9, ""),
                ("Harassment, bullying or abuse from patients or public", 22, 28, 1.2, "%"),
                ("Harassment, bullying or abuse from staff", 18, 24, 1.3, "%"),
                ("Believe the trust provides equal opportunities for career progression", 55, 62, 0.8, "%"),
                ("Personally experienced discrimination from a manager or colleague", 5, 8, 2, "%"),
                ("Board voting membership: percentage from an ethnic minority", 10, 20, 1, "%"),
            ),
            start=1,
        )
    ]
    return [
        ("h1", title),
        (
            "p",
            f"Workforce Race Equality Standard data as at 31 March {year}, submitted to NHS "
            "England, with our action plan.",
        ),
        ("table", (["Indicator", "White staff", "Black and minority ethnic staff"], rows)),
        ("h2", "Action plan"),
        (
            "ul",
            [
                "Reverse mentoring for all executive directors",
                "Diverse interview panels for posts at Band 8a and above",
                "Independent review of every disciplinary case involving BME staff",
            ],
        ),
    ]


def wdes_report(s: Site, title: str, year: int) -> list[Block]:
    rng = s.rng
    rows = [
        [f"Metric {k}: {label}", f"{rng.uniform(3, 30):.1f}%", f"{rng.uniform(3, 30):.1f}%"]
        for k, label in enumerate(
            (
                "Percentage of staff in each pay band",
                "Relative likelihood of appointment",
                "Likelihood of entering the formal capability process",
                "Harassment, bullying or abuse",
                "Equal opportunities for career progression",
                "Presenteeism",
                "Satisfaction with the value the organisation places on work",
                "Adequate adjustments provided",
                "Staff engagement score",
                "Board membership",
            ),
            start=1,
        )
    ]
    return [
        ("h1", title),
        ("p", f"Workforce Disability Equality Standard metrics for {year}, with our action plan."),
        ("table", (["Metric", "Disabled staff", "Non-disabled staff"], rows)),
        ("p", "Our Disability and Long-Term Conditions Network helped to write the action plan."),
    ]


def accessibility_statement(s: Site) -> list[Block]:
    return [
        ("h1", "Accessibility statement"),
        (
            "p",
            s.fill(
                "This accessibility statement applies to the {trust} website. We want as "
                "many people as possible to be able to use this website.",
            ),
        ),
        ("h2", "Compliance status"),
        (
            "p",
            "This website is partially compliant with the Web Content Accessibility "
            "Guidelines version 2.2 AA standard, due to the non-compliances listed below.",
        ),
        ("h2", "Non-accessible content"),
        (
            "ul",
            [
                "Some older PDF documents are not marked up for screen readers.",
                "Some images do not have a text alternative.",
            ],
        ),
        ("h2", "Feedback and contact information"),
        ("p", s.fill("If you need information in a different format, call {phone}.")),
        ("h2", "Enforcement procedure"),
        (
            "p",
            "The Equality and Human Rights Commission (EHRC) is responsible for enforcing the "
            "Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility "
            "Regulations 2018. If you are not happy with how we respond to your complaint, "
            "contact the Equality Advisory and Support Service (EASS).",
        ),
        ("h2", "Preparation of this statement"),
        (
            "p",
            "This statement was prepared on 23 September 2020. It was last reviewed on "
            "14 January 2025. The website was last tested in December 2024.",
        ),
    ]


def publication_scheme(s: Site) -> list[Block]:
    classes = [
        "Who we are and what we do",
        "What we spend and how we spend it",
        "What our priorities are and how we are doing",
        "How we make decisions",
        "Our policies and procedures",
        "Lists and registers",
        "The services we offer",
    ]
    return [
        ("h1", "Publication scheme"),
        (
            "p",
            s.fill(
                "{trust} has adopted the Information Commissioner's model publication "
                "scheme. This guide to information tells you what we publish routinely, "
                "how to get it and whether there is a charge.",
            ),
        ),
        (
            "table",
            (["Class of information", "How to get it", "Charge"], [[c, "On this website", "Free"] for c in classes]),
        ),
        ("p", "Paper copies cost 10p a page. Contact the Information Governance team."),
    ]
