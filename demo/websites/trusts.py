"""The fictional trusts: names, ODS codes and sizes; their letterheads, the register and the truth file."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

from demo.websites.blocks import slugify
from demo.websites.truth import Era, TrustSpec

PLACES = (
    "Ashbourne Vale",
    "Brackenfield",
    "Calderbridge",
    "Denholm",
    "Eastmere",
    "Fernleigh",
    "Greystone",
    "Hallowford",
    "Ingleby Cross",
    "Kingsmere",
    "Lindenshaw",
    "Marlowe Fen",
    "Northwold",
    "Oakhurst",
    "Pendlebrook",
    "Queensholt",
    "Ravensby",
    "Saltmarsh",
    "Thornbury Vale",
    "Upton Heath",
    "Varley",
    "Wickham Downs",
    "Yarrowdale",
    "Abbotsmoor",
    "Blackwater Levels",
    "Coldharbour",
    "Dunstanway",
    "Elmbridge Marsh",
    "Foxley",
    "Gorsebrook",
    "Hartwell",
    "Ironbridge Gorge",
    "Kestrel Bay",
    "Langholme",
    "Millbrook",
    "Netherfield",
    "Orchard Vale",
    "Pinewood",
    "Redmarsh",
    "Sedgemoor Hill",
    "Tidewater",
    "Westhaven",
    "Whitecliffe",
    "Wyndham",
    "Ambleside Moor",
    "Barrowford",
    "Cresswell",
    "Draycott",
    "Evesholt",
    "Fairhaven Sands",
    "Glendale",
    "Holmfirth Edge",
    "Kirkstall Moor",
    "Lowther",
    "Meresby",
    "Norbury Heath",
    "Ottery Vale",
    "Penhallow",
    "Rushmere",
    "Stanmoor",
    "Tamarside",
    "Wealdon",
)


NAME_FORMS = {
    "acute": ("{p} Hospitals NHS Trust", "{p} and {q} NHS Trust", "{p} Teaching Hospitals NHS Trust"),
    "foundation": ("{p} NHS Foundation Trust", "{p} Hospitals NHS Foundation Trust"),
    "primary_care": ("{p} Primary Care Trust", "{d} {p} Primary Care Trust", "{p} Teaching Primary Care Trust"),
    "mental_health": (
        "{p} Mental Health NHS Trust",
        "{p} Partnership NHS Trust",
        "{p} Mental Health and Social Care NHS Trust",
    ),
    "ambulance": ("{p} Ambulance Service NHS Trust",),
    "care_trust": ("{p} Care Trust",),
    "community": ("{p} Community Healthcare NHS Trust", "{p} Community Health Services NHS Trust"),
    "specialist": (
        "{p} Orthopaedic Hospital NHS Trust",
        "{p} Eye Hospital NHS Trust",
        "{p} Children's Hospital NHS Trust",
    ),
}
HEADCOUNT = {
    "acute": (2500, 8000),
    "foundation": (3000, 11000),
    "primary_care": (600, 3000),
    "mental_health": (1200, 4500),
    "ambulance": (1000, 4500),
    "care_trust": (500, 2200),
    "community": (1500, 5000),
    "specialist": (120, 2000),
}


def make_trusts(n: int, era_name: str, era: Era, rng: random.Random) -> list[TrustSpec]:
    specs: list[TrustSpec] = []
    names: set[str] = set()
    codes: set[str] = set()
    letters = "ABCDEFGHJKLMNPQRTVWXY"
    while len(specs) < n:
        org_type = rng.choices(list(era.org_types), list(era.org_types.values()))[0]
        p, q = rng.sample(PLACES, 2)
        name = rng.choice(NAME_FORMS[org_type]).format(p=p, q=q, d=rng.choice(("North", "South", "East", "West")))
        prefix = "5" if org_type == "primary_care" else "T" if org_type == "care_trust" else "R"
        code = prefix + rng.choice(letters + "0123456789") + rng.choice(letters)
        if name in names or code in codes:
            continue
        names.add(name)
        codes.add(code)
        low, high = HEADCOUNT[org_type]
        headcount: int | None = rng.randint(low, high)
        if org_type == "specialist" and rng.random() < 0.5:
            headcount = rng.randint(120, 240)  # the few trusts below the gender pay gap threshold
        elif era_name == "2007" and rng.random() < 0.1:
            headcount = None  # the register did not always know
        domain = "www." + slugify(name.replace(" NHS", "").replace(" Trust", "")).replace("-", "")[:24] + ".nhs.uk"
        specs.append(
            TrustSpec(code, name, org_type, rng.choice(era.regions), headcount, {}, {}, era=era_name, domain=domain)
        )
    return specs


FORENAMES = ("Aisha", "David", "Helen", "Joseph", "Margaret", "Priya", "Samuel", "Tomasz", "Grace", "Ian")
SURNAMES = ("Adeyemi", "Brennan", "Chaudhry", "Davies", "Evans", "Fraser", "Gill", "Hughes", "Iqbal", "Jones")


def postcode_end(rng: random.Random) -> str:
    """The inward half of a postcode (digit, letter, letter), from the letters postcodes use there."""
    return f"{rng.randint(1, 9)}{rng.choice('ABDEFGHJ')}{rng.choice('LNPQRSTUW')}"


def letterhead(spec: TrustSpec) -> tuple[str, str, str]:
    """A chief executive, postal address and postcode for a demo trust, the same on every run."""
    rng = random.Random(spec.ods_code)
    place = next((p for p in PLACES if p in spec.name), spec.name.split()[0])
    name = f"{rng.choice(('Dr ', '', '', 'Professor '))}{rng.choice(FORENAMES)} {rng.choice(SURNAMES)}"
    address = f"Trust Headquarters\n{rng.randint(1, 120)} Infirmary Road\n{place}"
    area = rng.choice("BCDLMNS") + rng.choice("ELNST") + str(rng.randint(1, 30))
    return name, address, f"{area} {postcode_end(rng)}"


def write_register(specs: list[TrustSpec], urls: dict[str, str], path: Path) -> None:
    """The register as `import_trusts` reads it, with the letterhead columns it reads when present."""
    with Path(path).open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(
            ["ods_code", "name", "org_type", "region", "website", "headcount", "chief_executive", "address", "postcode"]
        )
        for spec in specs:
            writer.writerow(
                [
                    spec.ods_code,
                    spec.name,
                    spec.org_type,
                    spec.region,
                    urls[spec.ods_code],
                    "" if spec.headcount is None else spec.headcount,
                    *letterhead(spec),
                ]
            )


def write_truth(specs: list[TrustSpec], path: Path) -> None:
    Path(path).write_text(json.dumps({s.ods_code: s.truth for s in specs}, indent=2, sort_keys=True) + "\n")
