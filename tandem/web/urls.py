from django.urls import path

from tandem.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("profile/", views.profile, name="profile"),
    path("theme/", views.theme, name="theme"),
]
