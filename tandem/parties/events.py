"""Events the parties app publishes."""

from dataclasses import dataclass

from tandem.platform.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class PartyEvent(DomainEvent):
    view_permission = "parties.view_party"
    object_type: str = "parties.party"


@dataclass(frozen=True, kw_only=True)
class PartyCreated(PartyEvent):
    code = "parties.party.created"
    summary = "{kind_label} {name} created"
    name: str
    kind_label: str


@dataclass(frozen=True, kw_only=True)
class PartyUpdated(PartyEvent):
    code = "parties.party.updated"
    summary = "Changed {changed_text}"
    changed: list[str]
    changed_text: str


@dataclass(frozen=True, kw_only=True)
class PartyArchived(PartyEvent):
    code = "parties.party.archived"
    summary = "Archived"
    name: str


@dataclass(frozen=True, kw_only=True)
class PartyRestored(PartyEvent):
    code = "parties.party.restored"
    summary = "Restored from the archive"
    name: str


@dataclass(frozen=True, kw_only=True)
class PartiesMerged(PartyEvent):
    code = "parties.party.merged"
    summary = "{merged_name} (#{merged_id}) merged into this party"
    merged_id: int
    merged_name: str
    moved: dict[str, int]


@dataclass(frozen=True, kw_only=True)
class ConsentRecorded(PartyEvent):
    code = "parties.consent.recorded"
    summary = "Marketing consent by {channel} {state} ({source})"
    channel: str
    state: str
    source: str


@dataclass(frozen=True, kw_only=True)
class RelationAdded(PartyEvent):
    code = "parties.relation.added"
    summary = "{person_name} works at {organisation_name} as {job_title}"
    person_name: str
    organisation_name: str
    job_title: str


@dataclass(frozen=True, kw_only=True)
class PartyTagged(PartyEvent):
    code = "parties.party.tagged"
    summary = "Tagged {tag}"
    tag: str
