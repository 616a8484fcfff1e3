"""Forms of the platform's pages. They check the shape of the input only; the services hold the
rules, and `apply_domain_error` puts a service's refusal back on the form, field by field."""

import calendar
import zoneinfo
from functools import cache

from django import forms
from django.apps import apps
from django.conf import settings
from django.forms.models import fields_for_model
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join

from tandem.platform.authz import PERMISSIONS
from tandem.platform.errors import DomainError
from tandem.platform.models import Company, Role
from tandem.platform.services import ALLOWED_ATTACHMENT_TYPES, COMPANY_FIELDS


class LongSelect(forms.Select):
    """A select for long flat lists (countries, time zones): the options are written in Python
    instead of one template render per option, which made a form with a country list take
    100 ms to render."""

    def render(self, name, value, attrs=None, renderer=None):
        if any(isinstance(label, list | tuple) for _, label in self.choices):
            return super().render(name, value, attrs, renderer)
        selected = {str(v) for v in self.format_value(value)}
        options = format_html_join(
            "", "<option value=\"{}\"{}>{}</option>",
            ((key, " selected" if str(key) in selected else "", label) for key, label in self.choices),
        )
        return format_html("<select name=\"{}\"{}>{}</select>", name, flatatt(self.build_attrs(self.attrs, attrs)),
                           options)


def apply_domain_error(form: forms.Form, error: DomainError) -> int:
    """Show a service's refusal above the form and on each field it names; returns the status to
    answer with (422 for bad input, 409 for a conflict such as removing the last admin)."""
    form.add_error(None, error.message)
    for field, messages in error.fields.items():
        if field in form.fields:
            for message in messages:
                form.add_error(field, message)
    return error.status


@cache
def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


# --- Records: comments, attachments, saved views ---------------------------------------------


class RecordRefForm(forms.Form):
    """Names the record a comment or an attachment goes on; the view looks it up in the company."""

    object_type = forms.CharField(max_length=100, widget=forms.HiddenInput)
    object_id = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class CommentForm(RecordRefForm):
    # Emptiness is the service's rule (it also guards the API); the form only limits the size.
    body = forms.CharField(
        label="Comment", required=False, max_length=10_000, strip=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Mention a colleague with @name or @email: they are notified if they may see this record.",
    )


class AttachmentForm(RecordRefForm):
    file = forms.FileField(label="File", allow_empty_file=True)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        extensions = sorted(ALLOWED_ATTACHMENT_TYPES)
        limit = settings.TANDEM_MAX_UPLOAD_BYTES // (1024 * 1024)
        self.fields["file"].widget.attrs["accept"] = ",".join(extensions)
        self.fields["file"].help_text = f"Up to {limit} MB: {', '.join(ext.lstrip('.') for ext in extensions)}."


class SaveViewForm(forms.Form):
    AUTO_ID = "save-view-%s"  # the form sits on list pages next to their own filter fields

    list_key = forms.SlugField(max_length=50, widget=forms.HiddenInput)
    query = forms.CharField(max_length=2000, required=False, widget=forms.HiddenInput)
    next = forms.CharField(max_length=500, required=False, widget=forms.HiddenInput)
    name = forms.CharField(label="Name", max_length=100, required=False)
    shared = forms.BooleanField(label="Share with everyone in the company", required=False)


class DeleteViewForm(forms.Form):
    view = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    next = forms.CharField(max_length=500, required=False, widget=forms.HiddenInput)


# --- Members and roles ------------------------------------------------------------------------


def _role_choices(company: Company) -> list[tuple[str, str]]:
    return [(role.code, role.name) for role in Role.objects.filter(company=company).order_by("name")]


class MemberRolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label="Roles", widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Give the member at least one role."},
    )

    def __init__(self, *args, company: Company, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["roles"].choices = _role_choices(company)


class MemberAddForm(MemberRolesForm):
    email = forms.EmailField(label="Email", max_length=254)
    full_name = forms.CharField(label="Full name", max_length=200, required=False)
    field_order = ["email", "full_name", "roles"]


def permission_groups(selected: set[str] | None = None) -> list[tuple[str, list[tuple[str, str, bool]]]]:
    """Declared permissions grouped by the app that declares them: [(app, [(code, label, checked)])]."""
    groups: dict[str, list[tuple[str, str, bool]]] = {}
    for code, permission in sorted(PERMISSIONS.items()):
        label = code.split(".", 1)[0]
        app = apps.get_app_config(label).verbose_name if label in apps.app_configs else label.title()
        groups.setdefault(app, []).append((code, permission.label, code in (selected or set())))
    return sorted(groups.items())


class RoleForm(forms.Form):
    name = forms.CharField(label="Name", max_length=100)
    code = forms.SlugField(
        label="Code", max_length=50, required=False,
        help_text="A short identifier, e.g. field-sales. Left empty, it is made from the name.",
    )
    description = forms.CharField(label="Description", max_length=300, required=False)
    is_sensitive = forms.BooleanField(
        label="Sensitive: members with this role must use two-factor authentication", required=False
    )
    permissions = forms.MultipleChoiceField(label="Permissions", required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, creating: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["permissions"].choices = [(code, p.label) for code, p in sorted(PERMISSIONS.items())]
        if not creating:
            del self.fields["code"]

    def groups(self) -> list[tuple[str, list[tuple[str, str, bool]]]]:
        selected = set(self["permissions"].value() or [])
        return permission_groups(selected)


# --- Company settings, tokens, notifications --------------------------------------------------


class CompanySettingsForm(forms.Form):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        editable = [name for name in COMPANY_FIELDS if name != "slug"]
        self.fields.update(fields_for_model(Company, fields=editable))
        self.fields["timezone"] = forms.ChoiceField(label="Time zone", choices=timezone_choices(), widget=LongSelect)
        self.fields["country"].widget = LongSelect(choices=self.fields["country"].choices)
        self.fields["fiscal_year_start_month"] = forms.TypedChoiceField(
            label="Fiscal year starts in", coerce=int,
            choices=[(number, calendar.month_name[number]) for number in range(1, 13)],
        )
        self.fields["fiscal_year_start_day"].label = "on day"
        self.fields["locale"].help_text = "How numbers and dates are written, e.g. en, de_DE, fr_CH."


class TokenCreateForm(forms.Form):
    name = forms.CharField(label="Name", max_length=100, help_text="What the token is for, e.g. “Accounting sync”.")


class TokenRevokeForm(forms.Form):
    token = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class NotificationsReadForm(forms.Form):
    """One notification (`id`) or, without it, all of them."""

    id = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)
