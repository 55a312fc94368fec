from django.urls import path

from fieldbook.integration import views

app_name = "integration"
urlpatterns = [
    path("", views.index, name="index"),
    path("<str:ledger>/settings/", views.settings_view, name="settings"),
    path("<str:ledger>/connect/", views.connect_view, name="connect"),
    path("<str:ledger>/callback/", views.callback, name="callback"),
    path("<str:ledger>/disconnect/", views.disconnect, name="disconnect"),
]
