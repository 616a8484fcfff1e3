"""Forms of the frame: the user's profile and theme switch."""

from functools import cache

from babel import Locale, localedata
from django import forms

from tandem.platform.forms import LongSelect, timezone_choices
from tandem.platform.models import User


@cache
def locale_choices() -> list[tuple[str, str]]:
    names = ((code, Locale.parse(code).get_display_name("en") or code) for code in localedata.locale_identifiers())
    return sorted(((code, f"{name} — {code}") for code, name in names), key=lambda choice: choice[1].casefold())


class ProfileForm(forms.Form):
    full_name = forms.CharField(label="Full name", max_length=200, required=False)
    theme = forms.ChoiceField(label="Theme", choices=User.Theme.choices, widget=forms.RadioSelect)
    locale = forms.ChoiceField(
        label="Language and number format", required=False, widget=LongSelect,
        help_text="Left empty, Tandem uses the company's locale.",
    )
    timezone = forms.ChoiceField(
        label="Time zone", required=False, widget=LongSelect,
        help_text="Left empty, Tandem uses the company's time zone.",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["locale"].choices = [("", "The company's locale"), *locale_choices()]
        self.fields["timezone"].choices = [("", "The company's time zone"), *timezone_choices()]


class ThemeForm(forms.Form):
    theme = forms.ChoiceField(choices=User.Theme.choices)
    next = forms.CharField(max_length=500, required=False)
