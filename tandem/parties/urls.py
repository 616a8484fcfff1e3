from django.urls import path

from tandem.parties import views

app_name = "parties"
urlpatterns = [
    path("", views.party_list, name="party-list"),
    path("<int:pk>/", views.party_detail, name="party-detail"),
]
