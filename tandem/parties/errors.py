from tandem.platform.errors import Conflict, InvalidInput


class PartyInvalid(InvalidInput):
    code = "party_invalid"


class PartyNotMergeable(Conflict):
    code = "party_not_mergeable"


class PartyArchivedError(Conflict):
    code = "party_archived"
