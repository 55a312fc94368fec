from django.urls import path

from fieldbook.contracts import corrections, invoices, views

app_name = "contracts"
urlpatterns = [
    path("", views.ServiceContractListView.as_view(), name="list"),
    path("new/", views.contract_create, name="create"),
    path("<int:pk>/", views.ServiceContractDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.contract_edit, name="edit"),
    path("invoices/", invoices.service_invoices, name="invoices"),
    path("invoices/generate/", invoices.generate, name="generate"),
    path("invoices/set-flags/", invoices.set_flags, name="set_flags"),
    path("invoices/<int:pk>/", invoices.ServiceInvoiceDetailView.as_view(), name="invoice_detail"),
    path("invoices/<int:pk>/edit/", corrections.invoice_edit, name="invoice_edit"),
    path("invoices/<int:pk>/void/", corrections.invoice_void, name="invoice_void"),
]
