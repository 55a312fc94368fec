from django.urls import path

from fieldbook.integration import views, views_sync

app_name = "integration"
urlpatterns = [
    path("", views.index, name="index"),
    path("history/", views_sync.history, name="history"),
    path("runs/<str:run_id>/", views_sync.run_detail, name="run"),
    path("runs/<str:run_id>/status/", views_sync.run_status, name="run_status"),
    path("runs/<str:run_id>/retry/", views_sync.retry, name="retry"),
    path("runs/<str:run_id>/resume/", views_sync.resume_run, name="resume"),
    path("<str:ledger>/settings/", views.settings_view, name="settings"),
    path("<str:ledger>/connect/", views.connect_view, name="connect"),
    path("<str:ledger>/callback/", views.callback, name="callback"),
    path("<str:ledger>/disconnect/", views.disconnect, name="disconnect"),
    path("<str:ledger>/<str:option>/", views_sync.transfer, name="transfer"),
    path("<str:ledger>/<str:option>/start/", views_sync.start, name="start"),
]
