from django.urls import path

from fieldbook.customers import views

app_name = "customers"
urlpatterns = [
    path("", views.CustomerListView.as_view(), name="list"),
    path("new/", views.CustomerCreateView.as_view(), name="create"),
    path("bulk/", views.customer_bulk, name="bulk"),
    path("merge/", views.customer_merge, name="merge"),
    path("<int:pk>/", views.CustomerDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.CustomerUpdateView.as_view(), name="edit"),
    path("<int:pk>/deactivate/", views.customer_deactivate, name="deactivate"),
]
