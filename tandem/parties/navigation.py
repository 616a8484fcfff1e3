from tandem.platform.navigation import NavEntry, register

register(NavEntry("Shared", "Parties", "parties:party-list", "parties.view_party", shortcut="g p", order=10))
register(NavEntry("Shared", "Import parties", "parties:party-import", "parties.import_party", order=11))
