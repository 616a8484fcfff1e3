from tandem.platform.navigation import NavEntry, register

register(NavEntry("Shared", "Parties", "parties:party-list", "parties.view_party", shortcut="g p", order=10))
