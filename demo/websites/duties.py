"""For each duty, the evidence or the trap a trust's truth and variant stand for, built into its site."""

from __future__ import annotations

from datetime import date

from demo.websites.documents_2007 import (
    access_guide,
    disability_scheme,
    eia_template,
    monitoring_form,
    ria_results,
    ria_schedule,
    scheme,
    workforce,
)
from demo.websites.documents_2024 import (
    accessibility_statement,
    edi_report,
    equality_objectives,
    gender_pay_gap,
    publication_scheme,
    wdes_report,
    wres_report,
)
from demo.websites.site import Doc, Site
from demo.websites.truth import A11Y, DES, FOI, GPG, INFO, MET, OBJ, REM, RES, RIA, WDES, WRES


def _where(s: Site, strand: str) -> str:
    """Where a document is linked from: its equality page, publications, the home page, or deeper."""
    choice = s.rng.choices(("equality", "publications", "home", "deep"), (4, 2, 1, 2))[0]
    if choice == "deep":
        return s.subpage(strand, s.fill(f"This page describes the work of {{short}} on {strand.lower()}."))
    return choice


def _fmt_choice(s: Site, weights: tuple[int, int, int] = (6, 2, 2)) -> str:
    return s.rng.choices(("pdf", "html", "docx"), weights)[0]


def _build_res(s: Site, truth: str, variant: str, plan: dict[str, tuple[str, str]]) -> str:
    rng = s.rng
    if truth == MET:
        des_met = plan[DES][0] == MET
        ria = plan[RIA] == (MET, "in_scheme")
        if variant == "single":
            strands = ("race", "disability", "gender") if rng.random() < 0.5 else ("race", "disability")
            scope = ""
            if not des_met:
                strands = ("race",)
                scope = "This first edition covers race equality; disability and gender will be added in 2007."
            else:
                scope = "This scheme covers " + " and ".join([", ".join(strands[:-1]), strands[-1]]) + "."
            title = "Single Equality Scheme 2006\u20132009"
            s.add_doc(
                Doc(
                    title,
                    scheme(s, title, 2006, "November 2006", strands, scope=scope, ria_appendix=ria),
                    "our equality scheme",
                    _fmt_choice(s),
                ),
                _where(s, "Equality schemes"),
            )
            return f"single equality scheme 2006-2009 covering {', '.join(strands)}"
        years_in_title = variant != "no_year"
        start = rng.choice((2005, 2005, 2006))
        title = (
            f"Race Equality Scheme {start}\u2013{start + 3}"
            if years_in_title
            else rng.choice(("Race Equality Scheme", "Our Race Equality Scheme"))
        )
        fmt = {"html": "html", "docx": "docx", "scan": "scan"}.get(variant, "pdf")
        doc = Doc(
            title,
            scheme(s, title, start, f"May {start}", ("race",), ria_appendix=ria),
            rng.choice(("our race scheme", "the race equality scheme", "RES")),
            fmt,
            rng.choice(("same", None, "Microsoft Word - RES final.doc")),
        )
        if fmt == "scan":
            doc.title = f"Race Equality Scheme {start}\u2013{start + 3} (scanned copy)"
        s.add_doc(doc, _where(s, "Race equality"))
        return {
            "no_year": f"title has no year; text says it covers {start} to {start + 3}",
            "scan": "image-only PDF (scanned): a human reads it; title and link text identify it",
        }.get(variant, f"race equality scheme {start}-{start + 3} ({fmt})")
    if variant == "outdated":
        title = rng.choice(("Race Equality Scheme 2002\u20132005", "Race Equality Scheme"))
        s.add_doc(
            Doc(title, scheme(s, title, 2002, "May 2002", ("race",)), "our race scheme"), _where(s, "Race equality")
        )
        return "only a 2002-2005 scheme: out of date at April 2007 (review due May 2005)"
    if variant == "draft":
        title = "DRAFT Race Equality Scheme 2007\u20132010 for consultation"
        s.add_doc(
            Doc(
                title, scheme(s, title, 2007, "February 2007", ("race",), draft=True), "the draft race equality scheme"
            ),
            _where(s, "Race equality"),
        )
        return "draft for consultation only"
    if variant == "on_request":
        s.add_para(
            "equality",
            s.fill(
                "Our Race Equality Scheme is available on request in paper, "
                "large print, audio and other languages. Please contact the "
                "Equality and Diversity Manager on {phone}.",
            ),
        )
        return "scheme 'available on request', not published"
    if variant == "race_for_life":
        s.add_page(
            "news",
            "Staff raise \u00a33,460 in Race for Life",
            [
                (
                    "p",
                    s.fill(
                        "Forty-two women from {trust} took part in Cancer Research UK's Race for Life in "
                        "{place} on Sunday 9 July, raising \u00a33,460. Race organiser Jo Benson said the "
                        "team's equality of effort was inspiring.",
                    ),
                )
            ],
            when=date(2006, 7, 14),
        )
        return "only 'Race for Life' charity news"
    if variant == "officer_job":
        s.add_page(
            "jobs",
            "Race Equality Officer",
            [
                ("p", "Band 6, \u00a323,458 \u2013 \u00a331,010 a year. Closing date 20 April 2007."),
                (
                    "p",
                    s.fill(
                        "{trust} is looking for a Race Equality Officer to develop our race "
                        "equality scheme, impact assessments and workforce ethnic monitoring, "
                        "in line with the Race Relations (Amendment) Act 2000.",
                    ),
                ),
                ("p", "For an informal discussion contact the Head of Human Resources."),
            ],
        )
        return "only a job advert for a Race Equality Officer"
    return "nothing published"


def _build_rem(s: Site, truth: str, variant: str, plan: dict[str, tuple[str, str]]) -> str:
    rng = s.rng
    if truth == MET:
        period, as_at = rng.choice((("2005/06", "31 March 2006"), ("the year to 31 December 2006", "31 December 2006")))
        if variant == "in_annual_report":
            title = "Equality and diversity annual report 2005/06"
            blocks = [
                ("h1", title),
                ("p", s.fill("This report describes the equality work of {trust} during 2005/06.")),
                ("h2", "Patient experience"),
                ("p", "Interpreting requests rose by 14%; 96% were met within 24 hours."),
                *workforce(s, "Workforce monitoring", period, as_at)[1:],
            ]
            s.add_doc(Doc(title, blocks, "our annual equality report"), _where(s, "Workforce"))
            return "workforce ethnic monitoring inside the annual equality report"
        title = rng.choice(
            (
                "Workforce monitoring report 2005/06",
                "Annual workforce ethnicity report",
                "Ethnic monitoring of staff 2005-06",
                "Staff profile by ethnic group",
            )
        )
        fmt = variant
        s.add_doc(
            Doc(
                title,
                workforce(s, title, period, as_at),
                rng.choice(("staff ethnicity figures", "workforce data", "monitoring report")),
                fmt,
                rng.choice(("same", None)),
            ),
            _where(s, "Workforce"),
        )
        return f"workforce ethnic monitoring for {period} ({fmt})"
    if variant == "blank_form":
        s.add_doc(
            Doc(
                "Equal opportunities monitoring form",
                monitoring_form(s),
                "the monitoring form",
                rng.choice(("pdf", "docx")),
            ),
            rng.choice(("jobs", "publications", "equality")),
        )
        return "blank equal opportunities monitoring form, no results"
    if variant == "stale":
        title = "Workforce monitoring report 2003/04"
        s.add_doc(Doc(title, workforce(s, title, "2003/04", "31 March 2004"), "workforce data"), _where(s, "Workforce"))
        return "only 2003/04 monitoring: not annual, out of date at April 2007"
    if variant == "no_ethnicity":
        title = "Workforce profile 2006"
        s.add_doc(
            Doc(title, workforce(s, title, "2006", "31 March 2006", ethnicity=False), "our workforce profile"),
            _where(s, "Workforce"),
        )
        return "workforce profile by staff group, gender and age, but no ethnic breakdown"
    if variant == "board_minutes":
        s.add_page(
            "board",
            "Minutes of the Trust Board meeting, 30 November 2006",
            [
                ("p", "Present: the Chairman, the Chief Executive, five non-executive directors."),
                ("h2", "8. Workforce ethnic monitoring report 2005/06"),
                (
                    "p",
                    "The Director of Human Resources presented the annual workforce ethnic monitoring "
                    "report. The Board noted the report and agreed it should be published.",
                ),
                ("h2", "9. Any other business"),
                ("p", "None."),
            ],
            when=date(2006, 11, 30),
        )
        return "board minutes mention the monitoring report; the report itself is not published"
    s.add_para(
        "equality",
        "We are improving the quality of our workforce data and will publish our "
        "first ethnic monitoring report later in 2007.",
    )
    return "promise to publish monitoring later in 2007"


def _build_ria(s: Site, truth: str, variant: str, plan: dict[str, tuple[str, str]]) -> str:
    rng = s.rng
    if truth == MET:
        if variant == "in_scheme":
            return "results table in an appendix of the equality scheme"
        title = rng.choice(
            (
                "Race equality impact assessments: outcomes 2006",
                "Results of equality impact assessments 2005/06",
                "Impact assessment results",
            )
        )
        s.add_doc(
            Doc(title, [("h1", title), *ria_results(s, 2006)], "impact assessment results", variant),
            _where(s, "Impact assessment"),
        )
        return f"published assessment results ({variant})"
    if variant == "template":
        s.add_doc(
            Doc("Equality impact assessment toolkit", eia_template(s), "the EIA template", rng.choice(("pdf", "docx"))),
            _where(s, "Impact assessment"),
        )
        return "blank impact assessment template/toolkit, no results"
    if variant == "schedule":
        title = "Programme of race equality impact assessments 2007\u20132010"
        s.add_doc(Doc(title, ria_schedule(s), "our assessment timetable"), _where(s, "Impact assessment"))
        return "timetable of future assessments, no results"
    if variant == "promise":
        s.add_para(
            "equality",
            "The results of our race equality impact assessments will be "
            "published on this website as soon as they are complete.",
        )
        return "promise to publish results"
    return "nothing published"


def _build_des(s: Site, truth: str, variant: str, plan: dict[str, tuple[str, str]]) -> str:
    rng = s.rng
    single = plan[RES] == (MET, "single")
    if single:
        return (
            "covered by the single equality scheme"
            if truth == MET
            else "single scheme says disability will be added later"
        )
    if truth == MET:
        title = "Disability Equality Scheme 2006\u20132009" if variant != "no_year" else "Disability Equality Scheme"
        fmt = {"html": "html", "docx": "docx"}.get(variant, "pdf")
        s.add_doc(
            Doc(
                title,
                disability_scheme(s, title),
                rng.choice(("our disability scheme", "the DES")),
                fmt,
                rng.choice(("same", None)),
            ),
            _where(s, "Disability equality"),
        )
        return (
            "title has no year; text says it covers 2006 to 2009"
            if variant == "no_year"
            else f"disability equality scheme 2006-2009 ({fmt})"
        )
    if variant == "promise":
        s.add_page(
            "news",
            "Have your say on our disability equality scheme",
            [
                (
                    "p",
                    s.fill(
                        "We will publish our disability equality scheme in December. Disabled people who "
                        "use our services are invited to a focus group at {hospital} on 14 November.",
                    ),
                )
            ],
            when=date(2006, 10, 12),
        )
        return "news item promising a scheme in December; none published"
    if variant == "draft":
        title = "Draft Disability Equality Scheme 2007\u20132010 (for consultation)"
        s.add_doc(
            Doc(title, disability_scheme(s, title, draft=True), "the draft disability scheme"),
            _where(s, "Disability equality"),
        )
        return "draft for consultation only"
    if variant == "access_guide":
        s.add_doc(
            Doc("Access guide for disabled visitors", access_guide(s), "access information", "html"),
            rng.choice(("services", "home")),
        )
        return "only an access guide for disabled visitors"
    return "nothing published"


def _build_info(s: Site, truth: str, variant: str, plan: dict[str, tuple[str, str]]) -> str:
    rng = s.rng
    if truth == MET:
        title = rng.choice(
            (
                "Equality, diversity and inclusion annual report 2023/24",
                "EDI annual report 2024",
                "Public Sector Equality Duty report 2024",
            )
        )
        objectives = "2024\u20132028" if plan[OBJ] == (MET, "in_report") else ""
        s.add_doc(
            Doc(
                title,
                edi_report(s, title, "2023/24", rng.choice(("October 2024", "January 2025")), objectives),
                "our equality information",
                variant,
            ),
            _where(s, "Equality information"),
        )
        return f"annual equality information 2023/24 ({variant})"
    if variant == "stale":
        title = "Equality and diversity annual report 2020/21"
        s.add_doc(
            Doc(title, edi_report(s, title, "2020/21", "March 2021"), "annual report"),
            _where(s, "Equality information"),
        )
        return "latest equality information is 2020/21: not annual"
    if variant == "promise":
        s.add_para(
            "equality",
            "Our equality information report for 2023/24 is being finalised and will be published here shortly.",
        )
        return "promise only"
    s.add_doc(
        Doc(
            "Patient equality monitoring form",
            [
                ("h1", "Patient equality monitoring form"),
                ("p", "Please help us to check that our services are fair by answering these questions."),
                *monitoring_form(s)[2:],
            ],
            "monitoring form",
            "docx",
        ),
        "equality",
    )
    return "blank patient equality monitoring form only"


def _build_obj(s: Site, truth: str, variant: str, plan: dict[str, tuple[str, str]]) -> str:
    if truth == MET:
        if variant == "in_report":
            return "objectives 2024-2028 inside the annual equality report"
        years = s.rng.choice(("2023\u20132027", "2024\u20132028", "2022\u20132026"))
        title = f"Equality objectives {years}"
        s.add_doc(
            Doc(title, equality_objectives(s, title, years), "our objectives", variant),
            _where(s, "Equality objectives"),
        )
        return f"objectives {years}"
    if variant == "stale":
        title = "Equality objectives 2016\u20132020"
        s.add_doc(
            Doc(title, equality_objectives(s, title, "2016\u20132020"), "our objectives"),
            _where(s, "Equality objectives"),
        )
        return "only 2016-2020 objectives: more than four years old"
    if variant == "draft":
        title = "Draft equality objectives 2025\u20132029 for consultation"
        s.add_doc(
            Doc(title, equality_objectives(s, title, "2025\u20132029", draft=True), "draft objectives"),
            _where(s, "Equality objectives"),
        )
        return "draft objectives for consultation only"
    return "nothing published"


def _build_gpg(s: Site, truth: str, variant: str, plan: dict[str, tuple[str, str]]) -> str:
    if truth == MET:
        title = (
            "Gender pay gap report 2024 (snapshot 31 March 2024)"
            if variant != "no_snapshot_in_title"
            else "Gender pay gap report"
        )
        s.add_doc(
            Doc(title, gender_pay_gap(s, title, 2024), "gender pay gap", "html" if variant == "html" else "pdf"),
            _where(s, "Gender pay gap"),
        )
        return "gender pay gap, snapshot 31 March 2024"
    if variant == "stale":
        title = "Gender pay gap report 2022"
        s.add_doc(Doc(title, gender_pay_gap(s, title, 2022), "gender pay gap"), _where(s, "Gender pay gap"))
        return "latest report is for the 2022 snapshot"
    if variant == "external_only":
        s.add_para(
            "equality",
            "Our gender pay gap figures are on the government's <a href=\"https://"
            'gender-pay-gap.service.gov.uk/">gender pay gap service</a>.',
        )
        return "only a link to the government service; not published on the trust's own site"
    return "nothing published"


def _build_wres(s: Site, truth: str, variant: str, plan: dict[str, tuple[str, str]]) -> str:
    if truth == MET:
        combined = variant == "combined" and plan[WDES][0] == MET
        title = (
            "WRES and WDES report 2024"
            if combined
            else s.rng.choice(("WRES data 2024", "Workforce Race Equality Standard report 2024"))
        )
        blocks = wres_report(s, title, 2024) + (
            wdes_report(s, "Workforce Disability Equality Standard", 2024) if combined else []
        )
        s.add_doc(
            Doc(title, blocks, "WRES", "pdf" if variant != "html" else "html"),
            _where(s, "Workforce equality standards"),
        )
        return "WRES 2024" + (" (combined with WDES)" if combined else "")
    if variant == "stale":
        title = "WRES report 2021"
        s.add_doc(Doc(title, wres_report(s, title, 2021), "WRES"), _where(s, "Workforce equality standards"))
        return "latest WRES report is 2021"
    if variant == "network_page":
        s.add_page(
            "equality",
            "Race Equality Network",
            [
                (
                    "p",
                    s.fill(
                        "Our Race Equality Network supports Black, Asian and minority ethnic colleagues at "
                        "{trust}. It meets monthly and advises the Board on the WRES action plan.",
                    ),
                )
            ],
        )
        return "staff network page only"
    return "nothing published"


def _build_wdes(s: Site, truth: str, variant: str, plan: dict[str, tuple[str, str]]) -> str:
    if truth == MET:
        if plan[WRES] == (MET, "combined"):
            return "WDES 2024 in the combined WRES and WDES report"
        title = s.rng.choice(("WDES report 2024", "Workforce Disability Equality Standard annual report 2024"))
        s.add_doc(Doc(title, wdes_report(s, title, 2024), "WDES", variant), _where(s, "Workforce equality standards"))
        return "WDES 2024"
    if variant == "stale":
        title = "WDES annual report 2022"
        s.add_doc(Doc(title, wdes_report(s, title, 2022), "WDES"), _where(s, "Workforce equality standards"))
        return "latest WDES report is 2022"
    if variant == "disability_confident":
        s.add_page(
            "jobs",
            "We are a Disability Confident Leader",
            [
                (
                    "p",
                    s.fill(
                        "{trust} is a Disability Confident Leader. Disabled applicants who meet the minimum "
                        "criteria are guaranteed an interview.",
                    ),
                )
            ],
        )
        return "Disability Confident page only"
    return "nothing published"


def _build_a11y(s: Site, truth: str, variant: str, plan: dict[str, tuple[str, str]]) -> str:
    if truth == MET:
        doc = Doc("Accessibility statement", accessibility_statement(s), "accessibility statement", "html")
        where = "footer"
        if variant == "help_page":  # footer -> "Using this website" -> statement
            where = s.add_page(
                "home",
                "Using this website",
                [("p", "Help with cookies, accessibility and browsing this site.")],
                listed=False,
            )
            s.footer.append((where, "Help"))
        s.add_doc(doc, where)
        return f"accessibility statement ({variant})"
    if variant == "tools_only":
        path = s.add_page(
            "home",
            "Accessibility",
            [("p", "Use the ReachDeck toolbar to have pages read aloud, translated or magnified.")],
            listed=False,
        )
        s.footer.append((path, "Accessibility"))
        return "'Accessibility' page only describes a toolbar; no statement"
    if variant == "physical_access":
        s.add_doc(Doc("Accessibility and getting here", access_guide(s), "access", "html"), "services")
        return "only a physical access guide"
    return "nothing published"


def _build_foi(s: Site, truth: str, variant: str, plan: dict[str, tuple[str, str]]) -> str:
    if truth == MET:
        title = "Publication scheme" if variant == "html" else "Publication scheme and guide to information"
        s.add_doc(Doc(title, publication_scheme(s), "our publication scheme", variant), "foi")
        return f"publication scheme ({variant})"
    if variant == "disclosure_log":
        s.add_page(
            "foi",
            "Disclosure log",
            [
                (
                    "table",
                    (
                        ["Request", "Date"],
                        [["Agency staff spend 2023/24", "12 June 2024"], ["Car parking income", "3 July 2024"]],
                    ),
                )
            ],
        )
        return "disclosure log only, no publication scheme"
    return (
        "FOI page explains how to ask, but no publication scheme" if variant == "request_only" else "nothing published"
    )


BUILDERS = {
    RES: _build_res,
    REM: _build_rem,
    RIA: _build_ria,
    DES: _build_des,
    INFO: _build_info,
    OBJ: _build_obj,
    GPG: _build_gpg,
    WRES: _build_wres,
    WDES: _build_wdes,
    A11Y: _build_a11y,
    FOI: _build_foi,
}
# Couplings: the single scheme (RES) decides DES; objectives and RIA can sit inside another
# document, WDES inside the combined WRES report. Those owners are built after their guests' plans.
BUILD_ORDER = (RES, REM, RIA, DES, INFO, OBJ, GPG, WRES, WDES, A11Y, FOI)
