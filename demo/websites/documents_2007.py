"""The documents of the 2007 race, disability and gender duties, as blocks."""

from __future__ import annotations

from demo.websites.blocks import Block, allocate, pct
from demo.websites.site import Site

ETHNIC_GROUPS = (
    "White \u2013 British",
    "White \u2013 Irish",
    "White \u2013 Other",
    "Mixed",
    "Asian or Asian British \u2013 Indian",
    "Asian or Asian British \u2013 Pakistani",
    "Asian or Asian British \u2013 Bangladeshi",
    "Black or Black British \u2013 Caribbean",
    "Black or Black British \u2013 African",
    "Chinese",
    "Other ethnic group",
    "Not stated",
)
ETHNIC_WEIGHTS = {
    "London": (45, 4, 9, 3, 8, 3, 3, 8, 10, 2, 3, 2),
    "other": (84, 1.5, 3, 1, 2.5, 1.5, 0.5, 1, 1, 0.5, 0.5, 3),
}


STRAND_TEXT = {
    "race": (
        "Race equality",
        "The Race Relations (Amendment) Act 2000 places a general duty on {short} to have due "
        "regard to the need to eliminate unlawful racial discrimination, to promote equality of "
        "opportunity and to promote good relations between people of different racial groups.",
    ),
    "disability": (
        "Disability equality",
        "The Disability Discrimination Act 2005 requires {short} to promote equality of "
        "opportunity for disabled people, eliminate harassment, promote positive attitudes "
        "and encourage the participation of disabled people in public life. Disabled "
        "people were involved in producing this scheme through our Disability Reference "
        "Group and three open events held in {place}.",
    ),
    "gender": (
        "Gender equality",
        "The Equality Act 2006 introduces a gender equality duty from April 2007; this scheme "
        "sets out how {short} will eliminate unlawful sex discrimination and harassment and "
        "promote equality of opportunity between women and men.",
    ),
}


def _action_plan(s: Site, strands: tuple[str, ...], start: int) -> Block:
    actions = {
        "race": [
            ("Complete race equality impact assessments of all high-relevance policies", "Director of Nursing"),
            ("Publish annual workforce ethnic monitoring report", "Director of Human Resources"),
            ("Extend the interpreting service to community clinics", "Head of Patient Experience"),
            ("Race equality training for all managers", "Head of Learning and Development"),
        ],
        "disability": [
            ("Audit access to all patient areas against the DDA", "Director of Estates"),
            ("Set up a Disability Reference Group of service users", "Equality Lead"),
            ("Provide information in large print, Braille and audio on request", "Head of Communications"),
        ],
        "gender": [("Analyse pay by gender and publish the results", "Director of Human Resources")],
    }
    rows = []
    for strand in strands:
        for k, (action, lead) in enumerate(actions[strand]):
            rows.append(
                [
                    action,
                    lead,
                    f"{['March', 'September', 'December'][k % 3]} {start + 1 + k % 2}",
                    s.rng.choice(("On track", "Complete", "In progress", "Not started")),
                ]
            )
    return ("table", (["Action", "Lead", "Timescale", "Progress"], rows))


def scheme(
    s: Site,
    title: str,
    start: int,
    published: str,
    strands: tuple[str, ...],
    *,
    draft: bool = False,
    scope: str = "",
    ria_appendix: bool = False,
    years_in_text: bool = True,
) -> list[Block]:
    end = start + 3
    intro = (f"This scheme covers {start} to {end}. " if years_in_text else "") + s.fill(
        "It sets out how {trust} will meet its duties to promote equality for the people of "
        "{place}, for our patients and for our staff.",
    )
    blocks: list[Block] = [("h1", title)]
    if draft:
        blocks.append(
            (
                "p",
                "DRAFT FOR CONSULTATION. This draft has not been approved by the Board. "
                "Please send comments by 30 April 2007 to the Equality Lead.",
            )
        )
    blocks += [
        ("p", f"Published {published}. Next review: {published.split()[-2]} {end}."),
        ("h2", "1. Introduction"),
        ("p", intro),
    ]
    if scope:
        blocks.append(("p", scope))
    for strand in strands:
        head, text = STRAND_TEXT[strand]
        blocks += [("h2", head), ("p", s.fill(text))]
    census = s.rng.uniform(2, 9) if s.spec.region != "London" else s.rng.uniform(25, 45)
    blocks += [
        ("h2", "2. Our population"),
        (
            "p",
            s.fill("At the 2001 Census {place} had a population of about ")
            + f"{s.rng.randint(180, 420) * 1000:,}; {census:.1f}% of residents described themselves as "
            "belonging to a minority ethnic group, and 18% reported a limiting long-term illness.",
        ),
        ("h2", "3. Functions and policies relevant to the general duty"),
        (
            "p",
            "We have assessed each of our functions and policies for its relevance to the general "
            "duty. Those of high relevance will be assessed first.",
        ),
        (
            "table",
            (
                ["Function or policy", "Relevance", "Assessment due"],
                [
                    ["Recruitment and selection", "High", f"{start}/{start - 1999:02d}"],
                    ["Patient information and interpreting", "High", f"{start}/{start - 1999:02d}"],
                    ["Complaints procedure", "Medium", f"{start + 1}/{start - 1998:02d}"],
                    ["Chaplaincy and spiritual care", "Medium", f"{start + 1}/{start - 1998:02d}"],
                    ["Estates and facilities", "Low", f"{start + 2}/{start - 1997:02d}"],
                ],
            ),
        ),
        ("h2", "4. Assessing and consulting on the impact of proposed policies"),
        (
            "p",
            "Every new or revised policy is screened using our impact assessment tool. Where "
            "screening shows a possible adverse impact, a full assessment is carried out and local "
            "community groups, staff networks and patients are consulted.",
        ),
        ("h2", "5. Monitoring policies for adverse impact"),
        (
            "p",
            "We monitor the use of our services by ethnic group through patient administration "
            "data, and our workforce by ethnic group as required by the employment duty.",
        ),
        ("h2", "6. Publishing the results"),
        (
            "p",
            "The results of assessments, consultation and monitoring are published on our website "
            "and in our annual report, and are available in other formats on request.",
        ),
        ("h2", "7. Access to information and services"),
        (
            "p",
            s.fill(
                "Interpreting is available free of charge in more than 40 languages, including "
                "British Sign Language. Call {phone} to request information in another format.",
            ),
        ),
        ("h2", "8. Training"),
        (
            "p",
            "All staff receive equality and diversity training at induction, with refresher "
            "training every three years; managers who recruit attend a one-day course.",
        ),
        ("h2", "9. Action plan"),
        _action_plan(s, strands, start),
    ]
    if ria_appendix:
        blocks += [
            ("h2", f"Appendix A: results of impact assessments completed in {start + 1}"),
            *ria_results(s, start + 1),
        ]
    return blocks


def ria_results(s: Site, year: int) -> list[Block]:
    policies = [
        "Recruitment and selection policy",
        "Interpreting and translation policy",
        "Complaints policy",
        "Visiting policy",
        "Dress code",
        "Car parking policy",
        "Chaplaincy services",
        "Patient information leaflets",
        "Bullying and harassment policy",
    ]
    rows = []
    for policy in s.rng.sample(policies, 6):
        adverse = s.rng.random() < 0.3
        rows.append(
            [
                policy,
                f"{s.rng.choice(('March', 'June', 'October', 'November'))} {year}",
                "Adverse impact found \u2013 action taken" if adverse else "No adverse impact",
                "Policy revised; interpreting added" if adverse else "None required",
            ]
        )
    return [
        (
            "p",
            "The following policies were assessed for their impact on different racial "
            "groups. Summary results are shown below; full reports are available from the "
            "Equality Lead.",
        ),
        ("table", (["Policy assessed", "Date", "Result", "Action"], rows)),
    ]


def workforce(s: Site, title: str, period: str, as_at: str, *, ethnicity: bool = True) -> list[Block]:
    total = s.spec.headcount or 2400
    weights = ETHNIC_WEIGHTS["London" if s.spec.region == "London" else "other"]
    blocks: list[Block] = [
        ("h1", title),
        (
            "p",
            s.fill("This report sets out the profile of the workforce of {trust} for ")
            + period
            + ". It is published to meet the employment duty of the Race Relations (Amendment) Act "
            "2000."
            if ethnicity
            else s.fill("This report describes the workforce of {trust}."),
        ),
    ]
    if not ethnicity:
        bands = allocate(total, (6, 20, 34, 25, 11, 4), s.rng)
        women = round(total * s.rng.uniform(0.74, 0.82))
        return blocks + [
            ("h2", f"Staff in post at {as_at}"),
            (
                "table",
                (
                    ["Staff group", "Headcount", "%"],
                    [
                        [g, n, pct(n, total)]
                        for g, n in zip(
                            (
                                "Medical and dental",
                                "Nursing and midwifery",
                                "Other clinical",
                                "Administrative and clerical",
                                "Estates and ancillary",
                                "Senior managers",
                            ),
                            bands,
                            strict=True,
                        )
                    ],
                ),
            ),
            ("h2", "Gender"),
            (
                "table",
                (
                    ["Gender", "Headcount", "%"],
                    [["Female", women, pct(women, total)], ["Male", total - women, pct(total - women, total)]],
                ),
            ),
            ("h2", "Age"),
            (
                "table",
                (
                    ["Age band", "Headcount"],
                    [
                        [a, n]
                        for a, n in zip(
                            ("Under 25", "25-34", "35-44", "45-54", "55 and over"),
                            allocate(total, (7, 22, 29, 27, 15), s.rng),
                            strict=True,
                        )
                    ],
                ),
            ),
            ("p", "Sickness absence averaged 4.6% over the year, against a target of 4%."),
        ]
    staff = allocate(total, weights, s.rng)
    blocks += [
        ("h2", f"Table 1: staff in post at {as_at} by ethnic group"),
        (
            "table",
            (
                ["Ethnic group", "Number", "%"],
                [[g, n, pct(n, total)] for g, n in zip(ETHNIC_GROUPS, staff, strict=True)]
                + [["Total", total, "100.0%"]],
            ),
        ),
    ]
    applied = total * 3
    app = allocate(applied, weights, s.rng)
    rows = []
    for g, a in zip(ETHNIC_GROUPS, app, strict=True):
        short = round(a * s.rng.uniform(0.2, 0.35))
        rows.append([g, a, short, round(short * s.rng.uniform(0.25, 0.45))])
    blocks += [
        ("h2", f"Table 2: applicants for employment, {period}"),
        ("table", (["Ethnic group", "Applied", "Shortlisted", "Appointed"], rows)),
    ]
    for number, (label, share) in enumerate(
        (
            ("staff receiving training", 0.4),
            ("staff promoted", 0.05),
            ("staff raising grievances", 0.006),
            ("staff subject to disciplinary action", 0.01),
            ("leavers", 0.12),
        ),
        start=3,
    ):
        counts = allocate(max(1, round(total * share)), weights, s.rng)
        blocks += [
            ("h2", f"Table {number}: {label}, {period}"),
            (
                "table",
                (
                    ["Ethnic group", "Number", "% of group in post"],
                    [[g, c, pct(c, n)] for g, c, n in zip(ETHNIC_GROUPS, counts, staff, strict=True)],
                ),
            ),
        ]
    blocks += [
        ("h2", "Commentary"),
        (
            "p",
            "Staff from minority ethnic groups are well represented among applicants but "
            "less likely to be appointed after shortlisting. The Trust will review its "
            "shortlisting practice and repeat the analysis next year.",
        ),
        (
            "p",
            "Black and minority ethnic staff were slightly over-represented in disciplinary "
            "cases; all cases have been reviewed by Human Resources with staff side "
            "colleagues.",
        ),
    ]
    return blocks


def monitoring_form(s: Site) -> list[Block]:
    return [
        ("h1", "Equal opportunities monitoring form"),
        (
            "p",
            s.fill(
                "{trust} is an equal opportunities employer. Please complete this form and "
                "return it with your application. It will be detached before shortlisting "
                "and used only for monitoring purposes.",
            ),
        ),
        ("h2", "Ethnic origin: please tick the box which best describes you"),
        ("ul", [f"[  ]  {g}" for g in ETHNIC_GROUPS]),
        ("h2", "Gender"),
        ("ul", ["[  ]  Male", "[  ]  Female"]),
        ("h2", "Disability"),
        ("p", "Do you consider yourself to have a disability?  Yes [  ]  No [  ]"),
        ("p", "Post applied for: ____________________    Reference number: ____________"),
    ]


def eia_template(s: Site) -> list[Block]:
    questions = [
        "What is the aim of the policy?",
        "Who is intended to benefit?",
        "Could the policy affect different racial groups differently?",
        "Is there evidence of higher or lower uptake by any group?",
        "Have you consulted people from the groups affected?",
        "What changes will you make as a result?",
    ]
    return [
        ("h1", "Equality impact assessment toolkit"),
        (
            "p",
            "Use this template to screen new and revised policies for their impact on race, "
            "disability, gender, age, religion or belief and sexual orientation. Return the "
            "completed form to the Equality Lead.",
        ),
        ("h2", "Part 1: screening"),
        ("table", (["Question", "Answer"], [[q, ""] for q in questions])),
        ("h2", "Part 2: full assessment"),
        ("p", "Complete Part 2 only if the screening shows a possible adverse impact."),
        (
            "table",
            (
                ["Group", "Evidence", "Impact (positive / negative / none)"],
                [[g, "", ""] for g in ("Race", "Disability", "Gender", "Age")],
            ),
        ),
        ("p", "Name of assessor: ______________    Date: ______________"),
    ]


def ria_schedule(s: Site) -> list[Block]:
    rows = [
        [p, lead, f"{m} {y}"]
        for p, lead, m, y in (
            ("Recruitment and selection policy", "HR Manager", "June", 2007),
            ("Interpreting policy", "Patient Services Manager", "September", 2007),
            ("Complaints policy", "Head of Governance", "January", 2008),
            ("Visiting policy", "Matron", "April", 2008),
            ("Consent policy", "Medical Director", "October", 2008),
        )
    ]
    return [
        ("h1", "Programme of race equality impact assessments 2007\u20132010"),
        (
            "p",
            s.fill(
                "This timetable shows when {short} will assess each policy of high or "
                "medium relevance to race equality. Results will be published when each "
                "assessment is complete.",
            ),
        ),
        ("table", (["Policy", "Lead", "Assessment due"], rows)),
    ]


def disability_scheme(s: Site, title: str, *, draft: bool = False, years_in_text: bool = True) -> list[Block]:
    start = 2007 if draft else 2006
    blocks = scheme(
        s,
        title,
        start,
        "4 December 2006" if not draft else "February 2007",
        ("disability",),
        draft=draft,
        years_in_text=years_in_text,
    )
    blocks[-2:-2] = [
        ("h2", "Involving disabled people"),
        (
            "p",
            s.fill(
                "Disabled patients, carers and staff helped to set our priorities. We held "
                "focus groups with the {place} Disability Forum, the local Deaf club and "
                "MENCAP, and surveyed 600 patients who told us that parking, signage and "
                "information in accessible formats mattered most.",
            ),
        ),
        ("h2", "Gathering and using evidence"),
        (
            "p",
            "We will collect information on disability through patient surveys, complaints and "
            "staff records, and use it to review the scheme every year.",
        ),
    ]
    return blocks


def access_guide(s: Site) -> list[Block]:
    return [
        ("h1", "Access guide for disabled visitors"),
        (
            "p",
            s.fill(
                "Blue badge parking is available close to the main entrance of {hospital}. "
                "Wheelchairs can be borrowed from the main reception.",
            ),
        ),
        (
            "ul",
            [
                "Hearing loops at all reception desks",
                "Accessible toilets on every floor",
                "Assistance dogs welcome",
                "Large-print appointment letters on request",
            ],
        ),
        ("p", s.fill("If you need help on arrival, please call {phone} before your visit.")),
    ]
