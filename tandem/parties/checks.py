"""Integrity checks of the parties app (run by `tandem check`)."""

from collections.abc import Iterator

from django.db.models import F, Q

from tandem.parties.models import Address, Consent, ContactPoint, Party, Relation
from tandem.platform.checks import Violation, register


@register("parties.rows_share_the_party_company")
def rows_share_the_party_company() -> Iterator[Violation]:
    for model in (ContactPoint, Address, Consent):
        for pk in model.objects.exclude(company=F("party__company")).values_list("pk", flat=True)[:100]:
            yield Violation("parties.rows_share_the_party_company",
                            f"{model._meta.verbose_name} {pk} belongs to another company than its party",
                            f"{model._meta.label_lower}#{pk}")
    mixed = Relation.objects.filter(~Q(person__company=F("company")) | ~Q(organisation__company=F("company")))
    for pk in mixed.values_list("pk", flat=True)[:100]:
        yield Violation("parties.rows_share_the_party_company", f"relation {pk} links parties of another company",
                        f"parties.relation#{pk}")


@register("parties.merged_parties_are_archived")
def merged_parties_are_archived() -> Iterator[Violation]:
    for pk in Party.objects.filter(merged_into__isnull=False, is_archived=False).values_list("pk", flat=True)[:100]:
        yield Violation("parties.merged_parties_are_archived", f"party {pk} was merged but is not archived",
                        f"parties.party#{pk}")
    for pk in Party.objects.exclude(merged_into=None).exclude(merged_into__company=F("company")).values_list(
            "pk", flat=True)[:100]:
        yield Violation("parties.merged_parties_are_archived", f"party {pk} was merged into another company's party",
                        f"parties.party#{pk}")


@register("parties.phones_are_e164")
def phones_are_e164() -> Iterator[Violation]:
    bad = ContactPoint.objects.filter(kind=ContactPoint.Kind.PHONE).exclude(value__regex=r"^\+[1-9][0-9]{6,14}$")
    for pk, value in bad.values_list("pk", "value")[:100]:
        yield Violation("parties.phones_are_e164", f"phone {value!r} is not in E.164 form",
                        f"parties.contactpoint#{pk}")
