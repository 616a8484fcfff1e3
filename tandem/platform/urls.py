from django.urls import path

from tandem.platform import views

app_name = "platform"
urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications-read"),
    path("comments/", views.comment_add, name="comment-add"),
    path("attachments/", views.attachment_add, name="attachment-add"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment-download"),
    path("views/", views.view_save, name="view-save"),
    path("views/delete/", views.view_delete, name="view-delete"),
    path("members/", views.members, name="members"),
    path("members/<int:pk>/", views.member_edit, name="member-edit"),
    path("members/<int:pk>/remove/", views.member_remove, name="member-remove"),
    path("roles/", views.roles, name="roles"),
    path("roles/new/", views.role_create, name="role-create"),
    path("roles/<int:pk>/", views.role_edit, name="role-edit"),
    path("settings/", views.company_settings, name="company-settings"),
    path("audit/", views.audit_log, name="audit-log"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/revoke/", views.token_revoke, name="token-revoke"),
]
