"""`{% field bound_field %}` and `{% form_fields form %}`: Django form fields rendered the Tandem
way (Bootstrap classes, a visible label, help text and errors wired to the input with ARIA)."""

from django import forms, template

register = template.Library()

WIDGET_CLASSES = {
    "checkbox": "form-check-input",
    "checkboxselectmultiple": "form-check-input",
    "radioselect": "form-check-input",
    "select": "form-select",
    "selectmultiple": "form-select",
    "nullbooleanselect": "form-select",
}


def _styled(bound: forms.BoundField) -> forms.BoundField:
    css = WIDGET_CLASSES.get(bound.widget_type, "form-control")
    widget = bound.field.widget
    classes = widget.attrs.get("class", "").split()
    if css not in classes:
        widget.attrs["class"] = " ".join([*classes, css])
    return bound


@register.inclusion_tag("web/field.html")
def field(bound: forms.BoundField) -> dict:
    return {"field": _styled(bound)}


@register.inclusion_tag("web/form_fields.html")
def form_fields(form: forms.BaseForm) -> dict:
    return {
        "form": form,
        "hidden": form.hidden_fields(),
        "visible": [_styled(bound) for bound in form.visible_fields()],
    }
