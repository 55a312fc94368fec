"""Element names the XSDs allow (ref §14), copied from Finance.xsd / IntuitNamesTypes.xsd.

A body key outside these sets is answered with 2010 "Request has invalid or unsupported property",
as QBO does for unrecognised JSON fields; the lists are data copied from the official schema, not
shared with the client code (DESIGN principle 7).
"""

from __future__ import annotations

CUSTOMER = frozenset({
    'ARAccountRef', 'AcctNum', 'Active', 'AltContactName', 'AlternatePhone', 'AttachableRef',
    'Balance', 'BalanceWithJobs', 'BillAddr', 'BillWithParent', 'BusinessNumber', 'CCDetail',
    'ClientCompanyId', 'ClientEntityId', 'CompanyName', 'ContactName', 'CreditLimit', 'CurrencyRef',
    'CustomField', 'CustomerEx', 'CustomerTypeRef', 'DefaultTaxCodeRef', 'DisplayName',
    'FamilyName', 'Fax', 'FullyQualifiedName', 'GSTIN', 'GSTRegistrationType', 'GivenName', 'Id',
    'IntuitId', 'IsCISContractor', 'IsProject', 'Job', 'JobInfo', 'Level', 'MetaData', 'MiddleName',
    'Mobile', 'Notes', 'OpenBalanceDate', 'Organization', 'OtherAddr', 'OtherContactInfo',
    'OverDueBalance', 'ParentRef', 'PaymentMethodRef', 'PreferredDeliveryMethod', 'PriceLevelRef',
    'PrimaryEmailAddr', 'PrimaryPhone', 'PrimaryTaxIdentifier', 'PrintOnCheckName', 'ResaleNum',
    'RootCustomerRef', 'SalesRepRef', 'SalesTermRef', 'SecondaryTaxIdentifier', 'ShipAddr',
    'Source', 'Suffix', 'SyncToken', 'TDSEnabled', 'TaxExemptionReasonId', 'TaxGroupCodeRef',
    'TaxRateRef', 'TaxRegime', 'Taxable', 'Title', 'TotalExpense', 'TotalRevenue', 'UserId',
    'V4IDPseudonym', 'WebAddr', 'domain', 'sparse', 'status'
})

VENDOR = frozenset({
    'APAccountRef', 'AcctNum', 'Active', 'AgencyVerificationStatus', 'AgencyVerificationStatusMsg',
    'AgencyVerificationTSUTC', 'AltContactName', 'AlternatePhone', 'AttachableRef', 'Balance',
    'BillAddr', 'BillRate', 'BusinessNumber', 'CISRate', 'CompanyName', 'CompanyRegistrationNumber',
    'ContactName', 'CostRate', 'CreditLimit', 'CurrencyRef', 'CustomField', 'DefaultTaxCodeRef',
    'DisplayName', 'FamilyName', 'Fax', 'FullyQualifiedName', 'GSTIN', 'GSTRegistrationType',
    'GivenName', 'HasTPAR', 'Id', 'IntuitId', 'IsSubContractor', 'MetaData', 'MiddleName', 'Mobile',
    'Notes', 'OpenBalanceDate', 'Organization', 'OtherAddr', 'OtherContactInfo', 'ParentRef',
    'PrefillAccountRef', 'PrimaryEmailAddr', 'PrimaryPhone', 'PrintOnCheckName', 'ShipAddr',
    'Source', 'SubcontractorType', 'Suffix', 'SyncToken', 'T4AEligible', 'T5018Eligible',
    'TDSEnabled', 'TDSEntityTypeId', 'TDSOverrideThreshold', 'TDSSectionTypeId', 'TaxCountry',
    'TaxIdEffectiveDate', 'TaxIdentifier', 'TaxReportingBasis', 'TermRef', 'Title', 'UserId',
    'V4IDPseudonym', 'Vendor1099', 'VendorEx', 'VendorPaymentBankDetail', 'VendorTypeRef',
    'WebAddr', 'domain', 'sparse', 'status'
})

EMPLOYEE = frozenset({
    'Active', 'AlternatePhone', 'AttachableRef', 'BillRate', 'BillableTime', 'BirthDate',
    'CompanyName', 'CostRate', 'CustomField', 'DefaultTaxCodeRef', 'DisplayName', 'EmployeeEx',
    'EmployeeNumber', 'EmployeeType', 'FamilyName', 'Fax', 'FullyQualifiedName', 'Gender',
    'GivenName', 'HiredDate', 'Id', 'IntuitId', 'MetaData', 'MiddleName', 'Mobile', 'Notes',
    'Organization', 'OtherAddr', 'OtherContactInfo', 'PrimaryAddr', 'PrimaryEmailAddr',
    'PrimaryPhone', 'PrintOnCheckName', 'ReleasedDate', 'SSN', 'Suffix', 'SyncToken', 'Title',
    'UseTimeEntry', 'UserId', 'V4IDPseudonym', 'WebAddr', 'domain', 'sparse', 'status'
})

INVOICE = frozenset({
    'ARAccountRef', 'AllowIPNPayment', 'AllowOnlineACHPayment', 'AllowOnlineAffirmPayment',
    'AllowOnlineCreditCardPayment', 'AllowOnlinePayPalPayment', 'AllowOnlinePayment',
    'ApplyTaxAfterDiscount', 'AttachableRef', 'AutoDocNumber', 'AutoPayEligible', 'Balance',
    'BillAddr', 'BillEmail', 'BillEmailBcc', 'BillEmailCc', 'CfdiUse', 'CheckPayment', 'ClassRef',
    'ConvenienceFeeDetail', 'CreditCardPayment', 'CurrencyRef', 'CustomField', 'CustomerMemo',
    'CustomerRef', 'DeliveryInfo', 'DepartmentRef', 'Deposit', 'DepositToAccountRef', 'DiscountAmt',
    'DiscountRate', 'DocNumber', 'DueDate', 'ECloudStatusTimeStamp', 'EInvoiceStatus',
    'EmailStatus', 'EnabledSurchargeInfo', 'ExchangeRate', 'Exportation', 'FOB', 'FinanceCharge',
    'FinancingProductType', 'FreeFormAddress', 'GlobalInfo', 'GlobalTaxCalculation',
    'GovtTxnRefIdentifier', 'GratuityEnabled', 'HomeBalance', 'HomeTotalAmt', 'HomeTotalCostAmount',
    'Id', 'InvoiceEx', 'InvoiceLink', 'InvoiceLinkExpiryDate', 'InvoiceLinkSecurityCode', 'LessCIS',
    'Line', 'LinkedTxn', 'MetaData', 'PONumber', 'PaymentDetailsMessage', 'PaymentMethodRef',
    'PaymentRefNum', 'PaymentType', 'PrintStatus', 'PrivateNote', 'ProjectRef', 'RecurDataRef',
    'RecurringInfo', 'RemitToRef', 'SalesRepRef', 'SalesTermRef', 'SchedulePayEligible',
    'ScheduledPaymentId', 'ShipAddr', 'ShipDate', 'ShipFromAddr', 'ShipMethodRef',
    'ShippingTaxIncludedInTotalTax', 'SubscriptionPaymentsSetting', 'SyncToken', 'Tag',
    'TaxExemptionRef', 'TaxFormNum', 'TaxFormType', 'TemplateRef', 'TotalAmt', 'TotalCostAmount',
    'TrackingNum', 'TransactionLocationType', 'TxnApprovalInfo', 'TxnDate', 'TxnRetainageDetail',
    'TxnSource', 'TxnStatus', 'TxnSubType', 'TxnTaxDetail', 'callToAction', 'domain',
    'invoiceStatus', 'invoiceStatusLog', 'sparse', 'status'
})

LINE = frozenset({
    'AccountBasedExpenseLineDetail', 'Amount', 'CostAmount', 'CustomExtensions', 'CustomField',
    'DepositLineDetail', 'Description', 'DescriptionLineDetail', 'DetailType', 'DiscountLineDetail',
    'GroupLineDetail', 'HomeCostAmount', 'Id', 'ItemAdjustmentLineDetail',
    'ItemBasedExpenseLineDetail', 'ItemReceiptLineDetail', 'JournalEntryLineDetail', 'LineEx',
    'LineNum', 'LinkedTxn', 'PaymentLineDetail', 'ProjectRef', 'PurchaseOrderItemLineDetail',
    'Received', 'ReimburseLineDetail', 'SalesItemLineDetail', 'SalesOrderItemLineDetail',
    'SubTotalLineDetail', 'TDSLineDetail', 'TaxLineDetail'
})

SALESITEMLINEDETAIL = frozenset({
    'ClassRef', 'DeferredRevenue', 'DiscountAmt', 'DiscountRate', 'InventorySiteRef',
    'ItemAccountRef', 'ItemRef', 'MarkupInfo', 'PriceLevelRef', 'Qty', 'RatePercent',
    'RetainageAmount', 'SalesItemLineDetailEx', 'ServiceDate', 'TaxClassificationRef', 'TaxCodeRef',
    'TaxInclusiveAmt', 'UOMRef', 'UnitCostPrice', 'UnitPrice'
})

PAYMENT = frozenset({
    'ARAccountRef', 'AttachableRef', 'CheckPayment', 'CreditCardPayment', 'CurrencyRef',
    'CustomField', 'CustomerRef', 'DepartmentRef', 'DepositToAccountRef', 'DocNumber',
    'ExchangeRate', 'HomeTotalCostAmount', 'Id', 'Line', 'LinkedTxn', 'MetaData', 'PaymentEx',
    'PaymentExtendedType', 'PaymentMethodRef', 'PaymentRefNum', 'PaymentType', 'PrivateNote',
    'ProcessPayment', 'ProjectRef', 'RecurDataRef', 'RecurringInfo', 'RemitToRef', 'SyncToken',
    'Tag', 'TaxFormNum', 'TaxFormType', 'TotalAmt', 'TotalCostAmount', 'TransactionLocationType',
    'TxnApprovalInfo', 'TxnDate', 'TxnSource', 'TxnStatus', 'TxnSubType', 'TxnTaxDetail',
    'UnappliedAmt', 'domain', 'sparse', 'status'
})

ITEM = frozenset({
    'AbatementRate', 'Active', 'AssetAccountRef', 'AttachableRef', 'AvgCost', 'BuildPoint',
    'COGSAccountRef', 'ClassRef', 'CustomExtensions', 'CustomField', 'DeferredRevenue',
    'DepositToAccountRef', 'Description', 'ExpenseAccountRef', 'FullyQualifiedName', 'Id',
    'IncomeAccountRef', 'InvStartDate', 'ItemAssemblyDetail', 'ItemCategoryType', 'ItemEx',
    'ItemGroupDetail', 'Level', 'ManPartNum', 'MetaData', 'Name', 'ParentRef', 'PaymentMethodRef',
    'PercentBased', 'PrefVendorRef', 'PrintGroupedItems', 'PurchaseCost', 'PurchaseDesc',
    'PurchaseTaxCodeRef', 'PurchaseTaxIncluded', 'QtyOnHand', 'QtyOnPurchaseOrder',
    'QtyOnSalesOrder', 'RatePercent', 'ReorderPoint', 'ReverseChargeRate', 'SalesTaxCodeRef',
    'SalesTaxIncluded', 'ServiceType', 'Sku', 'Source', 'SpecialItem', 'SpecialItemType', 'SubItem',
    'SyncToken', 'TaxClassificationRef', 'Taxable', 'TrackQtyOnHand', 'Type', 'UOMSetRef',
    'UQCDisplayText', 'UQCId', 'UnitPrice', 'domain', 'sparse', 'status'
})

KNOWN = {
    "Customer": CUSTOMER, "Vendor": VENDOR, "Employee": EMPLOYEE, "Invoice": INVOICE, "Payment": PAYMENT,
    "Item": ITEM,
}
