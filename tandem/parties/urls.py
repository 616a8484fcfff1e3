from django.urls import path

from tandem.parties.views import imports, lists, party

app_name = "parties"
urlpatterns = [
    path("", lists.party_list, name="party-list"),
    path("bulk/", lists.party_bulk, name="party-bulk"),
    path("export.csv", lists.party_export_csv, name="party-export-csv"),
    path("export.xlsx", lists.party_export_xlsx, name="party-export-xlsx"),
    path("new/", party.party_create, name="party-create"),
    path("new/duplicates/", party.party_duplicates, name="party-duplicates"),
    path("pick/", party.party_pick, name="party-pick"),
    path("import/", imports.party_import, name="party-import"),
    path("import/<int:job>/", imports.party_import_job, name="party-import-job"),
    path("import/<int:job>/commit/", imports.party_import_commit, name="party-import-commit"),
    path("import/<int:job>/errors.csv", imports.party_import_errors, name="party-import-errors"),
    path("<int:pk>/", party.party_detail, name="party-detail"),
    path("<int:pk>/timeline/", party.party_timeline, name="party-timeline"),
    path("<int:pk>/edit/", party.party_edit, name="party-edit"),
    path("<int:pk>/archive/", party.party_archive, name="party-archive"),
    path("<int:pk>/restore/", party.party_restore, name="party-restore"),
    path("<int:pk>/consent/", party.party_consent, name="party-consent"),
    path("<int:pk>/relations/", party.party_relation_add, name="party-relation-add"),
    path("<int:pk>/merge/", party.party_merge, name="party-merge"),
    path("<int:pk>/merge/<int:other>/", party.party_merge_confirm, name="party-merge-confirm"),
]
