from django.urls import path

from fieldbook.jobs import closed, views

app_name = "jobs"
urlpatterns = [
    path("", views.JobListView.as_view(), name="list"),
    path("new/", views.job_create, name="create"),
    path("closed/", closed.closed_jobs, name="closed"),
    path("closed/set-flags/", closed.set_flags, name="set_flags"),
    path("<int:pk>/", views.JobDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.job_edit, name="edit"),
    path("<int:pk>/close/", views.job_close, name="close"),
    path("<int:pk>/reopen/", views.job_reopen, name="reopen"),
]
