from django.contrib import admin
from django.urls import include, path

from tandem.api.urls import api
from tandem.platform import health

urlpatterns = [
    path("health", health.liveness, name="health"),
    path("ready", health.readiness, name="ready"),
    path("accounts/", include("allauth.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
    path("c/<slug:company>/parties/", include("tandem.parties.urls")),
    path("c/<slug:company>/", include("tandem.platform.urls")),
    path("", include("tandem.web.urls")),
]
