"""Everything a trust website holds besides the duties: news, services, jobs, board papers."""

from __future__ import annotations

import random
from datetime import date
from functools import lru_cache

from demo.websites.blocks import Block, esc, render_pdf, slugify
from demo.websites.site import Site
from demo.websites.trusts import postcode_end

STAFF_NAMES = (
    "Margaret Hollis",
    "David Okafor",
    "Susan Patel",
    "Peter Grainger",
    "Janet Mwangi",
    "Andrew Whitfield",
    "Helen Choudhury",
    "Richard Bamford",
    "Fiona Reilly",
    "Mohammed Rashid",
    "Clare Atherton",
    "Stephen Nkemelu",
    "Angela Marsh",
    "Simon Kaur-Bennett",
)
SERVICES = (
    "Cardiology",
    "Maternity",
    "Physiotherapy",
    "Diabetes care",
    "Podiatry",
    "Sexual health",
    "District nursing",
    "Children's services",
    "Stroke care",
    "Dermatology",
    "Audiology",
    "Speech and language therapy",
    "Ophthalmology",
    "Orthopaedics",
    "Dietetics",
    "Community mental health",
    "Radiology",
    "Renal services",
    "Palliative care",
    "Urology",
)
NEWS_2007 = (
    "New MRI scanner opens at {hospital}",
    "Hand hygiene campaign cuts MRSA infections",
    "{place} maternity unit celebrates 1,000th baby of the year",
    "Volunteers honoured at annual awards",
    "Trust meets four-hour A&E target for third month",
    "Flu jabs on offer for front-line staff",
    "Smoke-free sites from next month",
    "New day surgery unit welcomes first patients",
    "Changes to visiting times on {ward} ward",
    "Consultation on community services in {place}",
    "Car parking charges frozen for patients",
    "Chairman thanks staff after busy winter",
    "Eighteen-week waits: what it means for you",
    "Walk-in centre extends opening hours",
    "Board approves plans for new health centre",
    "Choose and Book: patients now choose hospitals",
)
NEWS_2024 = (
    "Community diagnostic centre opens in {place}",
    "Update on industrial action",
    "Winter vaccinations: protect yourself and others",
    "New electronic patient record goes live",
    "Virtual ward helps patients recover at home",
    "Nursing team wins national award",
    "{hospital} emergency department expansion begins",
    "Volunteers celebrate 20 years of service",
    "Waiting list update: fewer patients waiting over 65 weeks",
    "New robotic surgery programme",
    "Changes to visiting on {ward} ward",
    "Staff survey results published",
    "Green plan: solar panels installed at {hospital}",
    "Apprentices graduate in {place}",
)
NEWS_SENTENCES = (
    "The {trust} is delighted to announce the news, which follows months of planning by staff.",
    "{person}, Chief Executive, said: \u201cThis is a real achievement for our patients and for "
    "everyone who works here.\u201d",
    "Patients from across {place} will benefit, with shorter waits and care closer to home.",
    "The project cost \u00a3{money} and was funded partly by the League of Friends.",
    "More information is available from the Communications Team on {phone}.",
    "Staff on {ward} ward worked closely with patients and carers to design the changes.",
    "The {trust} would like to thank everyone who took part.",
    "Local people are encouraged to give their views at drop-in sessions in {place} library.",
    "Figures published this week show continued improvement across the {trust}.",
    "Visitors are reminded to use the hand gel at the entrance to every ward.",
)
SERVICE_SENTENCES = (
    "Our {service} team provides assessment, treatment and advice for adults and children.",
    "Referrals are accepted from GPs, consultants and other health professionals.",
    "Clinics run at {hospital} and at health centres across {place}.",
    "If you need an interpreter, please tell us when you book your appointment.",
    "Please bring a list of your current medicines to your first appointment.",
    "The service is open Monday to Friday, 8.30am to 5pm, excluding bank holidays.",
    "Our team includes consultants, specialist nurses, therapists and administrative staff.",
    "Patients can usually expect to be seen within {weeks} weeks of referral.",
)
WARDS = ("Ash", "Beech", "Cedar", "Elm", "Hazel", "Larch", "Rowan", "Willow", "Maple", "Oak")


FILLER_DOCS = {
    "2007": (
        "Annual report 2005/06 (summary)",
        "Chief Executive's report",
        "Finance report: month 9",
        "Infection control annual report",
        "Patient information: MRSA",
        "Patient information: preparing for your operation",
        "Integrated performance report",
        "Local Delivery Plan 2005-2008",
    ),
    "2024": (
        "Annual report and accounts 2023/24",
        "Chief Executive's report",
        "Finance report: month 10",
        "Quality account 2023/24",
        "Integrated performance report",
        "Patient information: preparing for your operation",
        "Green plan 2022-2025",
        "Infection prevention and control annual report",
    ),
}
JOBS = (
    ("Staff Nurse", 5),
    ("Healthcare Assistant", 2),
    ("Medical Secretary", 4),
    ("Physiotherapist", 6),
    ("Pharmacy Technician", 5),
    ("Estates Officer", 4),
    ("Ward Sister", 7),
    ("Consultant Physician", 0),
    ("Health Visitor", 6),
    ("Porter", 2),
)
PAY = {
    "2007": {
        2: "\u00a312,177 \u2013 \u00a314,037",
        4: "\u00a315,107 \u2013 \u00a318,473",
        5: "\u00a319,166 \u2013 \u00a324,803",
        6: "\u00a323,458 \u2013 \u00a331,010",
        7: "\u00a327,622 \u2013 \u00a336,416",
        0: "\u00a371,822 \u2013 \u00a396,969",
    },
    "2024": {
        2: "\u00a323,615",
        4: "\u00a326,530 \u2013 \u00a329,114",
        5: "\u00a329,970 \u2013 \u00a336,483",
        6: "\u00a337,338 \u2013 \u00a344,962",
        7: "\u00a346,148 \u2013 \u00a352,809",
        0: "\u00a3105,504 \u2013 \u00a3139,882",
    },
}


def _sentences(s: Site, bank: tuple[str, ...], k: int, **extra: str) -> str:
    rng = s.rng
    values = {
        **s.names(),
        "person": rng.choice(STAFF_NAMES),
        "ward": rng.choice(WARDS),
        "money": f"{rng.randint(40, 2400)},000",
        "weeks": str(rng.randint(4, 18)),
        "service": "",
        **extra,
    }
    return " ".join(t.format(**values) for t in rng.sample(bank, k))


GENERIC = {
    "trust": "Trust",
    "place": "the area",
    "hospital": "the main hospital",
    "phone": "the switchboard",
    "person": "the Chief Executive",
    "ward": "the",
    "money": "250,000",
    "weeks": "six",
    "service": "the",
}


@lru_cache(maxsize=32)
def _filler_pdf(title: str) -> bytes:
    """Board papers and leaflets carry no trust name, so one rendering serves every site."""
    rng = random.Random(title)
    blocks: list[Block] = [("h1", title)]
    for section in ("Purpose", "Background", "Current position", "Risks", "Recommendation"):
        blocks += [
            ("h2", section),
            (
                "p",
                " ".join(rng.sample(NEWS_SENTENCES[2:] + SERVICE_SENTENCES[1:], 5)).format(**GENERIC),
            ),
        ]
    blocks.append(
        (
            "table",
            (
                ["Measure", "Target", "Actual"],
                [
                    [m, f"{rng.randint(85, 98)}%", f"{rng.randint(80, 100)}%"]
                    for m in (
                        "Four-hour A&E standard",
                        "18-week referral to treatment",
                        "Cancer two-week wait",
                        "Staff appraisal rate",
                        "Mandatory training compliance",
                    )
                ],
            ),
        )
    )
    return render_pdf(blocks * 2, title if rng.random() < 0.5 else None, "Board paper")


def add_filler(s: Site, pages: int) -> None:
    rng, era, modern = s.rng, s.spec.era, s.spec.era == "2024"
    spec = s.spec
    staff = spec.headcount or rng.randint(20, 60) * 100
    s.add_para(
        "home",
        s.fill("Welcome to {trust}. We provide health services for the people of {place} and the surrounding area."),
    )
    s.add_para(
        "about",
        s.fill("{trust} was established in ")
        + f"{rng.randint(1992, 2004)}. "
        + f"We employ about {round(staff, -1):,} staff and serve a population of "
        + f"{rng.randint(150, 700) * 1000:,}. Our main site is {s.hospital}.",
    )
    s.add_para(
        "corporate", "Here you will find information about how we are run, our Board and our statutory publications."
    )
    s.add_para(
        "equality",
        s.fill(
            "{trust} is committed to equality and human rights for patients, "
            "carers and staff. We value the diversity of the communities we "
            "serve.",
        ),
    )
    s.add_para("publications", "Many of our documents are available in other formats and languages on request.")
    s.add_para(
        "foi",
        "The Freedom of Information Act 2000 gives you the right to request "
        "information held by public authorities. Send requests to the Information "
        f"Governance team, or email foi@{spec.domain}. We aim to reply within 20 "
        "working days.",
    )
    s.add_para(
        "jobs",
        s.fill("{trust} is an equal opportunities employer. ")
        + rng.choice(
            (
                "Please complete the equal opportunities monitoring form with your application.",
                "We welcome applications from all sections of the community.",
                "We are a Two Ticks employer: positive about disabled people.",
            )
        ),
    )
    s.add_para(
        "contact",
        s.fill("{hospital}, Infirmary Road, {place} ")
        + f"ZZ{rng.randint(1, 99)} {postcode_end(rng)}."
        + f" Switchboard: {s.phone}. Email: enquiries@{spec.domain}.",
    )
    for key, heading in (
        ("home", "Quick links"),
        ("about", "In this section"),
        ("corporate", "In this section"),
        ("news", "Latest news"),
        ("jobs", "Current vacancies"),
        ("services", "Services A to Z"),
        ("board", "Meetings and papers"),
    ):
        s.pages[s.paths[key]].items_heading = heading
    s.pages[s.paths["about"]].items.append(f'<a href="@/{s.paths["corporate"]}">{s.labels["corporate"]}</a>')
    s.pages[s.paths["corporate"]].items.append(f'<a href="@/{s.paths["board"]}">{s.labels["board"]}</a>')
    if s.equality_deep:
        s.pages[s.paths["corporate"]].items.append(f'<a href="@/{s.paths["equality"]}">{esc(s.labels["equality"])}</a>')
    if not modern:
        path = s.add_page(
            "foi",
            "Publication scheme",
            [
                (
                    "p",
                    "Our publication scheme, approved by "
                    "the Information Commissioner, lists "
                    "the classes of information we publish.",
                )
            ],
        )
    for title in rng.sample(FILLER_DOCS[era], rng.randint(2, 4)):
        path = s.doc_path(title, "pdf")
        s.files[path] = _filler_pdf(title)
        s.pages[s.paths["publications"]].items.append(f'<a href="@/{path}">{esc(title)}</a> (PDF)')

    count = max(5, round(pages * rng.uniform(0.6, 1.4)))
    news_bank = NEWS_2024 if modern else NEWS_2007
    start = s.era.news_from
    for n in range(count):
        kind = rng.choices(("news", "service", "job", "board"), (40, 25, 15, 20))[0]
        if kind == "news":
            title = rng.choice(news_bank).format(place=s.place, hospital=s.hospital, ward=rng.choice(WARDS))
            when = date.fromordinal(start.toordinal() + rng.randint(0, 360))
            s.add_page(
                "news",
                title,
                [("p", _sentences(s, NEWS_SENTENCES, 3)), ("p", _sentences(s, NEWS_SENTENCES, 2))],
                when=when,
                slug=f"{when:%Y-%m-%d}-{slugify(title)[:40]}",
            )
        elif kind == "service":
            service = SERVICES[n % len(SERVICES)]
            s.add_page(
                "services",
                service,
                [
                    ("p", _sentences(s, SERVICE_SENTENCES, 4, service=service.lower())),
                    ("p", _sentences(s, SERVICE_SENTENCES, 2, service=service.lower())),
                ],
            )
        elif kind == "job":
            job, band = rng.choice(JOBS)
            grade = "Consultant" if band == 0 else f"Band {band}"
            s.add_page(
                "jobs",
                f"{job} \u2013 {grade}",
                [
                    (
                        "p",
                        f"{grade}, {PAY[era][band]} a year. Reference {rng.randint(100, 999)}-"
                        f"{rng.randint(1000, 9999)}.",
                    ),
                    (
                        "p",
                        s.fill(
                            "We are looking for an enthusiastic and motivated person to join our "
                            "team at {hospital}. Full training and support will be given.",
                        ),
                    ),
                    (
                        "p",
                        "Closing date: " + f"{rng.randint(1, 28)} {rng.choice(('April', 'May'))} "
                        f"{s.era.audit_date.year}.",
                    ),
                ],
                slug=f"vacancy-{rng.randint(1000, 99999)}",
            )
        else:
            when = date.fromordinal(start.toordinal() + rng.randint(0, 330))
            papers = rng.sample(FILLER_DOCS[era][1:], 2)
            links = []
            for title in papers:
                path = s.doc_path(f"{when:%Y-%m} {title}", "pdf")
                s.files[path] = _filler_pdf(title)
                links.append(f'<li><a href="@/{path}">{esc(title)}</a></li>')
            path = s.add_page(
                "board",
                f"Board meeting {when:%d %B %Y}",
                [("p", f"The Trust Board met in public at {s.hospital} on {when:%d %B %Y}.")],
                when=when,
                slug=f"meeting-{when:%Y-%m-%d}",
            )
            s.pages[path].parts.append("<ul>" + "".join(links) + "</ul>")
    if rng.random() < 0.4:  # old sites are full of dead links; keep them off anything that matters
        dead = s.child_path("news", "news-archive-2004")
        page = (
            next(p for p in s.pages.values() if p.parent == s.paths["news"])
            if s.pages[s.paths["news"]].dated
            else s.pages[s.paths["news"]]
        )
        page.parts.append(f'<p>Older stories are in our <a href="@/{dead}">news archive</a>.</p>')
        spec.broken_links.append(dead)
    news = [i for _, i in sorted(s.pages[s.paths["news"]].dated, reverse=True)[:3]]
    s.pages["index.html"].parts.append(
        "<h2>Latest news</h2><ul>" + "".join(f"<li>{i}</li>" for i in news) + "</ul>" if news else ""
    )
