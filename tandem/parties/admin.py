from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from tandem.parties.models import Party


@admin.register(Party)
class PartyAdmin(SimpleHistoryAdmin):
    """Read-only for operators: parties are changed through the app's services."""

    list_display = ["name", "kind", "company", "is_archived"]
    list_filter = ["company", "kind", "is_archived"]
    search_fields = ["name", "search_text"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
