from django.urls import path

from fieldbook.catalogue import views

app_name = "catalogue"
urlpatterns = [
    path("tax-codes/", views.TaxCodeListView.as_view(), name="taxcode_list"),
    path("tax-codes/new/", views.TaxCodeCreateView.as_view(), name="taxcode_create"),
    path("tax-codes/<int:pk>/edit/", views.TaxCodeUpdateView.as_view(), name="taxcode_edit"),
    path("items/", views.ItemListView.as_view(), name="item_list"),
    path("items/new/", views.ItemCreateView.as_view(), name="item_create"),
    path("items/<int:pk>/edit/", views.ItemUpdateView.as_view(), name="item_edit"),
]
