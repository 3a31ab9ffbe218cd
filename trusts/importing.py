"""Load the trust register from the regulator's CSV or from the NHS ODS trust file ("etr").

Every row is checked before anything is written, then the whole register is upserted by ODS code
in one transaction: a file with one bad row changes nothing, and the error list names every bad
line so that the sender can fix the file in one go.
"""

import csv
import datetime
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models, transaction
from django.utils import timezone

from . import activity
from .models import ODS_CODE_VALIDATOR, Organisation, OrgType
from .validators import describe, forbidden_character, validate_web_address

CSV_COLUMNS = ("ods_code", "name", "org_type", "region", "website", "headcount")
# Read when the header has them, so that a register without them never blanks what is known.
# `address` is the postal lines without the postcode, separated by line breaks or "|".
OPTIONAL_CSV_COLUMNS = ("chief_executive", "address", "postcode")
MAX_ERRORS = 20

# National grouping (ODS file column 3) to NHS England region. Y54-Y57 are the four commissioning
# regions of 2013-2018 used by the etr file in ../shared; Y56 and Y58-Y63 the seven that replaced
# them. An unknown code is kept as the region, so that nothing is silently lost.
REGIONS = {
    "Y54": "North of England",
    "Y55": "Midlands and East of England",
    "Y56": "London",
    "Y57": "South of England",
    "Y58": "South West",
    "Y59": "South East",
    "Y60": "Midlands",
    "Y61": "East of England",
    "Y62": "North West",
    "Y63": "North East and Yorkshire",
}
# NHS Wales answers to the Welsh Government, not to this (English) regulator.
WALES = "W00"


def _max_length(name: str) -> int:
    field = Organisation._meta.get_field(name)
    assert isinstance(field, models.CharField) and field.max_length, f"{name} is a text column with a length"
    return field.max_length


_MAX_LENGTH = {f: _max_length(f) for f in ("name", "region", "website", "chief_executive", "postcode")}
_MAX_ADDRESS_LINE = 100
# A UK postcode, such as SW1A 2AA or WR4 9RW (BFPO and overseas postcodes are not trust addresses).
_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")
_MAX_HEADCOUNT = 2_147_483_647  # PositiveIntegerField's limit on every supported database
_URL_VALIDATOR = URLValidator(schemes=["http", "https"])


class RegisterFormat(models.TextChoices):
    CSV = "csv", "Register CSV"
    ODS = "ods", "NHS ODS trust file (etr.csv)"


@dataclass(frozen=True)
class LineError:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.message}"


class RegisterError(Exception):
    """The file cannot be imported; `errors` names each bad line (at most MAX_ERRORS of them)."""

    def __init__(self, errors: list[LineError], truncated: bool = False) -> None:
        self.errors = errors
        self.truncated = truncated
        more = f" (stopped after the first {len(errors)})" if truncated else ""
        super().__init__(f"{len(errors)} error{'s' if len(errors) != 1 else ''} in the file{more}")


@dataclass(frozen=True)
class Entry:
    """One trust as read from a file: `values` are always written, `create_only` only for a new
    row (a guess such as the type inferred from an ODS name must not undo a correction)."""

    line: int
    ods_code: str
    values: dict[str, Any]
    create_only: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Register:
    entries: list[Entry]
    skipped_welsh: int = 0


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int
    skipped_welsh: int = 0

    @property
    def summary(self) -> str:
        total = self.created + self.updated + self.unchanged
        text = (
            f"Imported {total} trust{'s' if total != 1 else ''}: {self.created} created, "
            f"{self.updated} updated, {self.unchanged} unchanged"
        )
        if self.skipped_welsh:
            text += f"; skipped {self.skipped_welsh} Welsh trusts (not under this regulator)"
        return text


class _Errors(list[LineError]):
    stopped = False  # set when MAX_ERRORS was reached before the end of the file

    def add(self, line: int, field_name: str, message: str) -> None:
        self.append(LineError(line, field_name, message))

    @property
    def full(self) -> bool:
        return len(self) >= MAX_ERRORS


def import_register(data: bytes, fmt: str = RegisterFormat.CSV) -> ImportResult:
    """Check the whole file, then upsert it; raises RegisterError and writes nothing if it is bad."""
    return save_register(parse_register(data, fmt))


def parse_register(data: bytes, fmt: str = RegisterFormat.CSV) -> Register:
    text = _decode(data)
    if not text.strip():
        raise RegisterError([LineError(1, "file", "is empty")])
    reader = _records(text)
    errors = _Errors()
    register = _parse_ods(reader, errors) if fmt == RegisterFormat.ODS else _parse_csv(reader, errors)
    if errors:
        raise RegisterError(errors[:MAX_ERRORS], truncated=errors.stopped or len(errors) > MAX_ERRORS)
    return register


@transaction.atomic
def save_register(register: Register, user=None, address: str | None = None) -> ImportResult:
    """Upsert the register's trusts and record the import (`user` None: the command line)."""
    codes = [e.ods_code for e in register.entries]
    existing = Organisation.objects.in_bulk(codes, field_name="ods_code")
    to_create: list[Organisation] = []
    to_update: list[Organisation] = []
    changed_fields: set[str] = set()
    for entry in register.entries:
        organisation = existing.get(entry.ods_code)
        if organisation is None:
            to_create.append(Organisation(ods_code=entry.ods_code, **entry.create_only, **entry.values))
            continue
        changed = {k for k, v in entry.values.items() if getattr(organisation, k) != v}
        if changed:
            for name in changed:
                setattr(organisation, name, entry.values[name])
            to_update.append(organisation)
            changed_fields |= changed
    Organisation.objects.bulk_create(to_create, batch_size=500)
    if to_update:
        # bulk_update skips auto_now, so stamp the change time by hand.
        now = timezone.now()
        for organisation in to_update:
            organisation.updated_at = now
        Organisation.objects.bulk_update(to_update, sorted(changed_fields | {"updated_at"}), batch_size=500)
    result = ImportResult(
        created=len(to_create),
        updated=len(to_update),
        unchanged=len(register.entries) - len(to_create) - len(to_update),
        skipped_welsh=register.skipped_welsh,
    )
    activity.record("trusts.register.imported", user, message=result.summary, address=address)
    return result


def _decode(data: bytes) -> str:
    try:
        # utf-8-sig drops the byte-order mark that Excel puts before "Save as CSV UTF-8" files.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise RegisterError([LineError(line, "file", "is not UTF-8 text; save it from Excel as “CSV UTF-8”")]) from None


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """Yield (first line number, stripped cells) per record, skipping blank lines and rows."""
    reader = csv.reader(io.StringIO(text, newline=""))
    line = 1
    try:
        for row in reader:
            cells = [cell.strip() for cell in row]
            if any(cells):
                yield line, cells
            line = reader.line_num + 1  # a quoted cell may span several lines
    except csv.Error as error:  # such as a cell over csv.field_size_limit()
        raise RegisterError([LineError(line, "file", f"is not valid CSV ({error})")]) from None


def _parse_csv(records: Iterator[tuple[int, list[str]]], errors: _Errors) -> Register:
    header_line, header = next(records, (1, []))
    columns = [name.lower() for name in header]
    missing = [name for name in CSV_COLUMNS if name not in columns]
    if missing:
        hint = " (is this the NHS ODS trust file? It has no header)" if len(missing) > 2 else ""
        plural = "s" if len(missing) > 1 else ""
        errors.add(header_line, "header", f"missing column{plural} {', '.join(missing)}{hint}")
        return Register([])
    position = {name: columns.index(name) for name in (*CSV_COLUMNS, *OPTIONAL_CSV_COLUMNS) if name in columns}
    entries: list[Entry] = []
    first_line: dict[str, int] = {}
    for line, cells in records:
        if errors.full:
            errors.stopped = True
            break
        row = {name: cells[i] if i < len(cells) else "" for name, i in position.items()}
        code = _check_code(row["ods_code"], line, "ods_code", first_line, errors)
        values = {
            "name": _check_text(row["name"], line, "name", errors, required=True),
            "org_type": _check_org_type(row["org_type"], line, errors),
            "region": _check_text(row["region"], line, "region", errors),
            "website": _check_website(row["website"], line, errors),
            "headcount": _check_headcount(row["headcount"], line, errors),
        }
        if "chief_executive" in row:
            values["chief_executive"] = _check_text(row["chief_executive"], line, "chief_executive", errors)
        if "address" in row:
            values["address"] = _check_address(re.split(r"\s*(?:\r?\n|\|)\s*", row["address"]), line, errors)
        if "postcode" in row:
            values["postcode"] = _check_postcode(row["postcode"], line, "postcode", errors)
        if code:
            entries.append(Entry(line, code, values))
    if not entries and not errors:
        errors.add(header_line + 1, "file", "has a header but no trusts")
    return Register(entries)


def _parse_ods(records: Iterator[tuple[int, list[str]]], errors: _Errors) -> Register:
    entries: list[Entry] = []
    first_line: dict[str, int] = {}
    welsh = 0
    for line, cells in records:
        if errors.full:
            errors.stopped = True
            break
        if len(cells) < 12:
            errors.add(line, "columns", f"has {len(cells)} columns; an ODS trust file has 12 or more")
            continue
        code = _check_code(cells[0], line, "organisation code", first_line, errors)
        grouping = cells[2].upper()
        if grouping == WALES:
            welsh += 1
            continue
        name = _check_text(cells[1], line, "name", errors, required=True)
        values = {
            "name": ods_title(name),
            "region": _check_text(REGIONS.get(grouping, grouping), line, "region", errors),
            "address": _check_address([ods_title(c, upper=_ADDRESS_UPPER_WORDS) for c in cells[4:9]], line, errors),
            "postcode": _check_postcode(cells[9], line, "postcode", errors),
            "opened_on": _check_date(cells[10], line, "open date", errors),
            "closed_on": _check_date(cells[11], line, "close date", errors),
        }
        if code:
            entries.append(Entry(line, code, values, create_only={"org_type": infer_org_type(name)}))
    return Register(entries, skipped_welsh=welsh)


def _check_code(raw: str, line: int, field_name: str, first_line: dict[str, int], errors: _Errors) -> str:
    code = raw.upper()
    if not code:
        errors.add(line, field_name, "is required")
        return ""
    try:
        ODS_CODE_VALIDATOR(code)
    except ValidationError:
        errors.add(line, field_name, f"“{raw}” is not an ODS code (3 to 5 letters or digits)")
        return ""
    if code in first_line:
        errors.add(line, field_name, f"“{code}” is also on line {first_line[code]}")
        return ""
    first_line[code] = line
    return code


def _check_text(raw: str, line: int, field_name: str, errors: _Errors, required: bool = False) -> str:
    if required and not raw:
        errors.add(line, field_name, "is required")
    elif len(raw) > _MAX_LENGTH[field_name]:
        errors.add(line, field_name, f"is longer than {_MAX_LENGTH[field_name]} characters")
    elif (character := forbidden_character(raw)) is not None:
        # A NUL cannot be stored; a right-to-left override makes a name read as another trust's.
        errors.add(line, field_name, f"contains a control or text-direction character, {describe(character)}")
    return raw


def _check_org_type(raw: str, line: int, errors: _Errors) -> str:
    value = raw.lower()
    if value not in OrgType.values:
        errors.add(line, "org_type", f"“{raw}” is not one of {', '.join(OrgType.values)}")
    return value


def _check_website(raw: str, line: int, errors: _Errors) -> str:
    if raw:
        try:
            _URL_VALIDATOR(raw)
            # As a browser reads it: no backslash, user name or password.
            validate_web_address(raw)
        except ValidationError as error:
            shown = raw if forbidden_character(raw) is None else repr(raw)[1:-1]
            # The validators' own sentences follow ours as sentences; a bare "invalid" says what is expected.
            reason = ". " + " ".join(error.messages) if error.code != "invalid" else " (http:// or https://)"
            errors.add(line, "website", f"“{shown[:200]}” is not a valid web address{reason}")
        else:
            _check_text(raw, line, "website", errors)
    return raw


def _check_headcount(raw: str, line: int, errors: _Errors) -> int | None:
    if not raw:
        return None
    # isdecimal, not int(): int() would take "-5", "+5", "1_000" and " 5".
    if not (raw.isascii() and raw.isdecimal()) or int(raw) > _MAX_HEADCOUNT:
        errors.add(line, "headcount", f"“{raw}” is not a whole number of staff")
        return None
    return int(raw)


def _check_address(lines: list[str], line: int, errors: _Errors) -> str:
    """The postal lines, blank ones dropped, one a line."""
    kept = [text.strip() for text in lines if text.strip()]
    if any(len(text) > _MAX_ADDRESS_LINE for text in kept):
        errors.add(line, "address", f"has a line longer than {_MAX_ADDRESS_LINE} characters")
    elif character := next(filter(None, map(forbidden_character, kept)), None):
        errors.add(line, "address", f"contains a control or text-direction character, {describe(character)}")
    return "\n".join(kept)


def _check_postcode(raw: str, line: int, field_name: str, errors: _Errors) -> str:
    if not raw:
        return ""
    compact = re.sub(r"\s+", "", raw.upper())
    if not _POSTCODE.match(compact):
        errors.add(line, field_name, f"“{raw}” is not a UK postcode")
        return ""
    return f"{compact[:-3]} {compact[-3:]}"


def _check_date(raw: str, line: int, field_name: str, errors: _Errors) -> datetime.date | None:
    if not raw:
        return None
    try:
        # strptime alone would read "2011401" as 1 April 2011.
        if len(raw) == 8 and raw.isdecimal():
            return datetime.date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
    except ValueError:
        pass
    errors.add(line, field_name, f"“{raw}” is not a date in the form YYYYMMDD")
    return None


_LOWER_WORDS = {"and", "of", "for", "upon", "on", "under", "in", "the"}
_UPPER_WORDS = {"nhs"}
_ADDRESS_UPPER_WORDS = {"nhs", "po", "hq", "hm"}


def ods_title(name: str, upper: set[str] = _UPPER_WORDS) -> str:
    """ODS names and addresses are in capitals: "GUY'S AND ST THOMAS' NHS FOUNDATION TRUST" becomes
    "Guy's and St Thomas' NHS Foundation Trust", "NEWCASTLE-UNDER-LYME" "Newcastle-under-Lyme"."""

    def word(match: re.Match[str]) -> str:
        text = match.group().lower()
        if text in upper:
            return text.upper()
        if text in _LOWER_WORDS and match.start() > 0:
            return text
        return text.capitalize()

    return re.sub(r"[\w']+", word, name)


def infer_org_type(name: str) -> str:
    """A best guess, as the ODS file carries no type. The service a name states wins over its
    governance (an ambulance foundation trust is `ambulance`); "foundation" only when the name
    says so and names no service. Names that hide their service (partnership trusts, "Oxleas NHS
    Foundation Trust") need correcting by hand, which later ODS imports keep: the type is only
    set when a trust is new."""
    upper = name.upper()
    if "AMBULANCE" in upper:
        return OrgType.AMBULANCE
    if "MENTAL HEALTH" in upper:
        return OrgType.MENTAL_HEALTH
    if "COMMUNITY" in upper or "CARE SERVICES" in upper:
        return OrgType.COMMUNITY
    if "CARE TRUST" in upper or "HEALTH AND CARE" in upper or "SOCIAL CARE" in upper:
        return OrgType.CARE_TRUST
    if "FOUNDATION TRUST" in upper:
        return OrgType.FOUNDATION
    return OrgType.ACUTE
