"""Forms of the parties pages. They check shape only (types, lengths, choices) and hand plain
values to the services, which own every business rule; a service's PartyInvalid is shown back on
the fields it names."""

import re

from django import forms
from django_countries import countries

from tandem.parties.models import Consent, Party, PartyRole
from tandem.parties.queries import SORTS
from tandem.parties.services import AddressData, PartyData
from tandem.platform.errors import DomainError
from tandem.platform.forms import LongSelect

ARCHIVED_CHOICES = [("", "Active"), ("only", "Archived"), ("all", "Active and archived")]
SORT_CHOICES = [("name", "Name A–Z"), ("-name", "Name Z–A"), ("-created", "Newest first"), ("created", "Oldest first")]
PER_PAGE = 50


def _split_lines(value: str, separators: str = r"[\n;,]") -> list[str]:
    return [part.strip() for part in re.split(separators, value) if part.strip()]


class TandemForm(forms.Form):
    """Service errors shown on the fields they name, and the first invalid field focused and
    marked (rendered with the web face's `{% field %}` tag, which wires errors to inputs)."""

    # Keys of DomainError.fields → form fields; unknown keys become form-wide errors.
    service_fields: dict[str, str] = {}

    def is_valid(self) -> bool:
        valid = super().is_valid()
        if not valid:
            self.focus_first_error()
        return valid

    def add_service_errors(self, error: DomainError) -> None:
        self.add_error(None, error.message)
        for key, messages in error.fields.items():
            name = self.service_fields.get(key, key)
            self.add_error(name if name in self.fields else None, messages)
        self.focus_first_error()

    def focus_first_error(self) -> None:
        first = True
        for name, field in self.fields.items():
            if name in self.errors:
                classes = field.widget.attrs.get("class", "").split()
                field.widget.attrs["class"] = " ".join([*classes, "is-invalid"])
                if first and not field.widget.is_hidden:
                    field.widget.attrs["autofocus"] = True
                    first = False


class PartyFilterForm(forms.Form):
    """The list's query string: search, filters, sort and page. Bad values fall back to defaults,
    so any bookmarked or hand-edited URL still opens."""

    q = forms.CharField(required=False, max_length=100, label="Search",
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name, email, phone, tax id…"}))
    kind = forms.ChoiceField(required=False, choices=[("", "Any kind"), *Party.Kind.choices])
    role = forms.ChoiceField(required=False, choices=[("", "Any role"), *PartyRole.Role.choices])
    tag = forms.CharField(required=False, max_length=50)
    archived = forms.ChoiceField(required=False, choices=ARCHIVED_CHOICES, label="Show")
    sort = forms.ChoiceField(required=False, choices=SORT_CHOICES)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("class", "form-select" if name in {"kind", "role", "archived", "sort"}
                                          else "form-control")

    def filters(self) -> dict:
        """Keyword arguments for queries.list_parties."""
        self.is_valid()
        data = {name: self.cleaned_data.get(name) or "" for name in self.fields if name not in self.errors}
        archived = {"": False, "only": True, "all": None}[data.get("archived", "")]
        sort = data.get("sort", "") if data.get("sort", "") in SORTS else "name"
        return {"q": data.get("q", ""), "kind": data.get("kind", ""), "role": data.get("role", ""),
                "tag": data.get("tag", ""), "archived": archived, "sort": sort}


class PartyForm(TandemForm):
    """Everything a party is made of; maps onto services.PartyData."""

    service_fields = {
        "address.street": "street", "address.street2": "street2", "address.postal_code": "postal_code",
        "address.city": "city", "address.region": "region", "address.country": "country",
    }

    kind = forms.ChoiceField(choices=Party.Kind.choices, widget=forms.RadioSelect, initial=Party.Kind.ORGANISATION)
    name = forms.CharField(max_length=200)
    emails = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="One per line.")
    phones = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="One per line, with the country code (e.g. +49 30 901820).")
    websites = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 1}),
                               help_text="One per line.")
    tax_id = forms.CharField(required=False, max_length=60, label="Tax id",
                             help_text="EU VAT numbers with the country prefix.")
    external_key = forms.CharField(required=False, max_length=100,
                                   help_text="The party's key in another system; imports with the same key update it.")
    roles = forms.MultipleChoiceField(required=False, choices=PartyRole.Role.choices,
                                      widget=forms.CheckboxSelectMultiple)
    tags = forms.CharField(required=False, max_length=1000, help_text="Separated by commas.")
    notes = forms.CharField(required=False, max_length=10_000, widget=forms.Textarea(attrs={"rows": 3}))
    street = forms.CharField(required=False, max_length=200)
    street2 = forms.CharField(required=False, max_length=200, label="Street (line 2)")
    postal_code = forms.CharField(required=False, max_length=20)
    city = forms.CharField(required=False, max_length=100)
    region = forms.CharField(required=False, max_length=100)
    country = forms.ChoiceField(required=False, choices=[("", "—"), *countries], widget=LongSelect)
    create_anyway = forms.BooleanField(
        required=False, label="None of these is the same party: create it anyway",
    )

    def __init__(self, *args, default_country: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].initial = default_country
        self.fields["name"].widget.attrs["autocomplete"] = "off"

    @classmethod
    def initial_from(cls, data: PartyData) -> dict:
        address = data.address
        return {
            "kind": data.kind, "name": data.name, "emails": "\n".join(data.emails),
            "phones": "\n".join(data.phones), "websites": "\n".join(data.websites), "tax_id": data.tax_id,
            "external_key": data.external_key, "notes": data.notes, "roles": data.roles,
            "tags": ", ".join(data.tags),
            **({"street": address.street, "street2": address.street2, "postal_code": address.postal_code,
                "city": address.city, "region": address.region, "country": address.country} if address else {}),
        }

    def party_data(self) -> PartyData:
        """The submitted values as PartyData (call after is_valid())."""
        data = self.cleaned_data
        address = None
        if any(data.get(name) for name in ("street", "street2", "postal_code", "city")):
            address = AddressData(
                street=data["street"], street2=data["street2"], postal_code=data["postal_code"],
                city=data["city"], region=data["region"], country=data["country"],
            )
        return PartyData(
            kind=data["kind"], name=data["name"], emails=_split_lines(data["emails"]),
            phones=_split_lines(data["phones"]), websites=_split_lines(data["websites"], r"[\n;\s]"),
            tax_id=data["tax_id"], external_key=data["external_key"], notes=data["notes"],
            roles=list(data["roles"]), tags=_split_lines(data["tags"], r"[,;\n]"), address=address,
        )

    def raw_party_data(self) -> PartyData:
        """Whatever was typed so far, for duplicate hints while the form is being filled in."""
        value = self.data.get
        return PartyData(
            kind=value("kind", "") or Party.Kind.ORGANISATION, name=value("name", "")[:200],
            emails=_split_lines(value("emails", "")[:2000]), phones=_split_lines(value("phones", "")[:2000]),
            tax_id=value("tax_id", "")[:60],
        )


class ConsentForm(TandemForm):
    channel = forms.ChoiceField(choices=Consent.Channel.choices)
    given = forms.TypedChoiceField(
        choices=[("yes", "Given"), ("no", "Withdrawn")], coerce=lambda value: value == "yes",
        widget=forms.RadioSelect, label="Consent",
    )
    source = forms.CharField(max_length=200, help_text="Where it came from, e.g. “signed form at the fair”.")


class RelationForm(TandemForm):
    other = forms.IntegerField(min_value=1, widget=forms.HiddenInput,
                               error_messages={"required": "Choose from the search results."})
    job_title = forms.CharField(required=False, max_length=100)

    service_fields = {"organisation": "other", "person": "other"}


class IdListField(forms.Field):
    """Several record ids (checkboxes of one name). Only their shape is checked here: the view
    looks them up within the company."""

    widget = forms.MultipleHiddenInput
    MAX = 1000

    def to_python(self, value) -> list[int]:
        values = value if isinstance(value, list | tuple) else [value] if value else []
        if len(values) > self.MAX:
            raise forms.ValidationError(f"Select at most {self.MAX} rows at once.")
        if not all(str(item).isdigit() and len(str(item)) < 19 for item in values):
            raise forms.ValidationError("Unknown selection.")
        return list(dict.fromkeys(int(item) for item in values))


class BulkForm(TandemForm):
    ACTIONS = [("tag", "Add a tag"), ("archive", "Archive")]

    action = forms.ChoiceField(choices=ACTIONS)
    ids = IdListField(error_messages={"required": "Select some parties."})
    tag = forms.CharField(required=False, max_length=50)

    def clean(self) -> dict:
        data = super().clean()
        if data.get("action") == "tag" and not data.get("tag", "").strip():
            self.add_error("tag", "Enter the tag to add.")
        return data


class ImportUploadForm(TandemForm):
    file = forms.FileField(
        help_text="CSV (UTF-8 or Windows encoding, any delimiter) or XLSX; the first row holds the headers.",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = ".csv,.txt,.tsv,.xlsx"


class ImportMappingForm(TandemForm):
    """One select per importer field, offering the file's columns."""

    def __init__(self, *args, importer, headers: list[str], mapping: dict[str, int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "— not in the file —"), *[(str(index), header) for index, header in enumerate(headers)]]
        for field in importer.fields:
            self.fields[field.key] = forms.TypedChoiceField(
                label=field.label, choices=choices, required=False, coerce=int, empty_value=None,
                initial=str(mapping[field.key]) if field.key in mapping else "", help_text=field.help,
                widget=forms.Select(attrs={"class": "form-select"}),
            )
        self.importer = importer

    def mapping(self) -> dict[str, int | None]:
        return {field.key: self.cleaned_data.get(field.key) for field in self.importer.fields}


class ImportCommitForm(TandemForm):
    skip_invalid = forms.BooleanField(required=False, label="Skip the bad rows and import only the good ones")
