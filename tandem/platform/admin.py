"""Django's admin site is for operators (is_staff), not for company users; business data is
changed through the app, so most models are read-only here."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from tandem.platform.models import ApiToken, Company, EventRecord, Membership, Role, User


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff", "date_joined"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password", "full_name"]}),
        ("Preferences", {"fields": ["theme", "locale", "timezone"]}),
        ("Operator access", {"fields": ["is_active", "is_staff", "is_superuser"]}),
    ]
    add_fieldsets = [(None, {"fields": ["email", "password1", "password2"]})]
    list_filter = ["is_active", "is_staff"]
    filter_horizontal: list[str] = []


@admin.register(Company)
class CompanyAdmin(ReadOnlyAdmin):
    list_display = ["name", "slug", "base_currency", "country", "is_active"]
    search_fields = ["name", "slug"]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["user", "company", "is_active"]
    list_filter = ["company", "is_active"]


@admin.register(Role)
class RoleAdmin(ReadOnlyAdmin):
    list_display = ["name", "company", "is_system", "is_sensitive"]
    list_filter = ["company", "is_system"]


@admin.register(EventRecord)
class EventRecordAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "company", "actor", "code", "object_type", "object_id"]
    list_filter = ["company", "code"]
    date_hierarchy = "occurred_at"


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ["name", "user", "company", "prefix", "created_at", "revoked_at"]
