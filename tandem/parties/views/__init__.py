"""The parties pages: `lists` (search, filters, sort, pages, exports, bulk actions), `party`
(create and edit with duplicate hints, the party page, consent, relations, merge) and `imports`
(the import wizard). Each view parses, authorizes (company_view and authorize), calls a service or
a query and renders; htmx requests get the template partial that changed."""
