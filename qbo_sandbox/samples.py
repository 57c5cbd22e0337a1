"""Intuit-like sample data: what a new Intuit sandbox company holds ("Craig's Design and
Landscaping Services"), so client code that assumes it (python-quickbooks' own integration
tests, for one) finds it here too.

`fill_company(store, realm_id, now)` fills a company that `companies.create_company` has just
made (accounts 1-3, item 1 "Services", its country's tax codes): a chart of accounts with
Intuit's Ids (Visa is 42, Checking 35, Undeposited Funds 4, ...), payment methods, terms,
classes, departments, items (services, non-inventory, inventory), 26 customers, 26 vendors,
2 employees, 31 invoices (DocNumbers 1001-1037) and 14 payments, all dated before `now`, and
(when `catalog.WRITABLE` has them) sales receipts, a refund receipt, a credit memo, a bank
deposit and expenses; then `sample_books.fill` adds bills, bill payments, a vendor credit, a
purchase order, estimates, time activities, a transfer, a card payment, a journal entry,
recurring templates and a note. The US company also gets Intuit's US tax agencies, rates and codes
("California" 8%, "Tucson"); other countries keep the tax codes they were made with and get the
same content in their own currency.

Customers and every transaction go through `Books.create`, so they are shaped, totalled and
balanced exactly as the API makes them; the lists (accounts, items, vendors, ...) are stored as
Intuit returns them with Intuit's Ids, and the id counters are set past the Ids used so new
objects continue the sequences. Account balances (the sandbox posts only transfers, card payments
and journal entries) are worked out from the sample transactions at the end.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from . import catalog, sample_books
from .banking import postings
from .entities import Books
from .store import Store
from .values import as_json_number, iso, money

CURRENCIES = {
    "US": ("USD", "United States Dollar"),
    "CA": ("CAD", "Canadian Dollar"),
    "GB": ("GBP", "British Pound Sterling"),
    "AU": ("AUD", "Australian Dollar"),
}

# Company names for sample-data companies (bare ones keep "Sandbox Studio ...").
SAMPLE_NAMES = {
    "US": "Craig's Design and Landscaping Services",
    "CA": "Craig's Design and Landscaping Canada",
    "GB": "Craig's Design and Landscaping UK",
    "AU": "Craig's Design and Landscaping Australia",
}

# What a sample company holds (besides Preferences and CompanyInfo).
SAMPLE_ENTITIES = ("Account", "TaxAgency", "TaxRate", "TaxCode", "PaymentMethod", "Term",
                   "Class", "Department", "Item", "Customer", "Vendor", "Employee", "Invoice",
                   "Payment", "SalesReceipt", "RefundReceipt", "CreditMemo", "Deposit",
                   "Purchase", "Bill", "BillPayment", "VendorCredit", "PurchaseOrder", "Estimate",
                   "TimeActivity", "Transfer", "CreditCardPaymentTxn", "JournalEntry",
                   "RecurringTransaction", "Attachable")

CLASSIFICATION = {
    "Bank": "Asset", "Other Current Asset": "Asset", "Fixed Asset": "Asset",
    "Other Asset": "Asset", "Accounts Receivable": "Asset",
    "Accounts Payable": "Liability", "Credit Card": "Liability",
    "Other Current Liability": "Liability", "Long Term Liability": "Liability",
    "Equity": "Equity",
    "Income": "Revenue", "Other Income": "Revenue",
    "Cost of Goods Sold": "Expense", "Expense": "Expense", "Other Expense": "Expense",
}

# The chart of accounts: (Id, Name, AccountType, AccountSubType, parent Id, AcctNum). Ids 1-90
# are those of Intuit's US sample company (sub-accounts under their parents); 91-92 are added.
ACCOUNTS: list[tuple[int, str, str, str, int | None, str | None]] = [
    (1, "Services", "Income", "ServiceFeeIncome", None, None),
    (2, "Retained Earnings", "Equity", "RetainedEarnings", None, None),
    (3, "Prepaid Expenses", "Other Current Asset", "PrepaidExpenses", None, None),
    (4, "Undeposited Funds", "Other Current Asset", "UndepositedFunds", None, "1200"),
    (5, "Fees Billed", "Income", "ServiceFeeIncome", None, None),
    (6, "Refunds-Allowances", "Income", "DiscountsRefundsGiven", None, None),
    (7, "Advertising", "Expense", "AdvertisingPromotional", None, None),
    (8, "Bank Charges", "Expense", "BankCharges", None, None),
    (9, "Commissions & fees", "Expense", "OtherMiscellaneousServiceCost", None, None),
    (10, "Dues & Subscriptions", "Expense", "DuesSubscriptions", None, None),
    (11, "Insurance", "Expense", "Insurance", None, None),
    (12, "Legal & Professional Fees", "Expense", "LegalProfessionalFees", None, None),
    (13, "Meals and Entertainment", "Expense", "EntertainmentMeals", None, None),
    (14, "Miscellaneous", "Other Expense", "OtherMiscellaneousExpense", None, None),
    (15, "Office Expenses", "Expense", "OfficeGeneralAdministrativeExpenses", None, None),
    (16, "Promotional", "Expense", "AdvertisingPromotional", None, None),
    (17, "Rent or Lease", "Expense", "RentOrLeaseOfBuildings", None, None),
    (18, "Repair & Maintenance", "Expense", "RepairMaintenance", None, None),
    (19, "Stationery & Printing", "Expense", "OfficeGeneralAdministrativeExpenses", None, None),
    (20, "Supplies", "Expense", "SuppliesMaterials", None, None),
    (21, "Taxes & Licenses", "Expense", "TaxesPaid", None, None),
    (22, "Travel", "Expense", "Travel", None, None),
    (23, "Travel Meals", "Expense", "TravelMeals", None, None),
    (24, "Utilities", "Expense", "Utilities", None, None),
    (25, "Interest Earned", "Other Income", "InterestEarned", None, None),
    (26, "Other Portfolio Income", "Other Income", "OtherInvestmentIncome", None, None),
    (27, "Penalties & Settlements", "Other Expense", "PenaltiesSettlements", None, None),
    (28, "Disposal Fees", "Expense", "OtherMiscellaneousServiceCost", None, None),
    (29, "Equipment Rental", "Expense", "EquipmentRental", None, None),
    (30, "Uncategorized Income", "Income", "OtherPrimaryIncome", None, None),
    (31, "Uncategorized Expense", "Expense", "OtherMiscellaneousServiceCost", None, None),
    (32, "Uncategorized Asset", "Other Current Asset", "OtherCurrentAssets", None, None),
    (33, "Accounts Payable (A/P)", "Accounts Payable", "AccountsPayable", None, "2000"),
    (34, "Opening Balance Equity", "Equity", "OpeningBalanceEquity", None, None),
    (35, "Checking", "Bank", "Checking", None, "1000"),
    (36, "Savings", "Bank", "Savings", None, "1010"),
    (37, "Truck", "Fixed Asset", "Vehicles", None, None),
    (38, "Original Cost", "Fixed Asset", "Vehicles", 37, None),
    (39, "Depreciation", "Fixed Asset", "AccumulatedDepreciation", 37, None),
    (40, "Depreciation", "Other Expense", "Depreciation", None, None),
    (41, "Mastercard", "Credit Card", "CreditCard", None, "2100"),
    (42, "Visa", "Credit Card", "CreditCard", None, "2110"),
    (43, "Loan Payable", "Other Current Liability", "OtherCurrentLiabilities", None, None),
    (44, "Notes Payable", "Long Term Liability", "OtherLongTermLiabilities", None, None),
    (45, "Landscaping Services", "Income", "ServiceFeeIncome", None, None),
    (46, "Job Materials", "Income", "ServiceFeeIncome", 45, None),
    (47, "Decks and Patios", "Income", "ServiceFeeIncome", 46, None),
    (48, "Fountains and Garden Lighting", "Income", "ServiceFeeIncome", 46, None),
    (49, "Plants and Soil", "Income", "ServiceFeeIncome", 46, None),
    (50, "Sprinklers and Drip Systems", "Income", "ServiceFeeIncome", 46, None),
    (51, "Labor", "Income", "ServiceFeeIncome", 45, None),
    (52, "Installation", "Income", "ServiceFeeIncome", 51, None),
    (53, "Maintenance and Repair", "Income", "ServiceFeeIncome", 51, None),
    (54, "Pest Control Services", "Income", "OtherPrimaryIncome", None, None),
    (55, "Automobile", "Expense", "Auto", None, None),
    (56, "Fuel", "Expense", "Auto", 55, None),
    (57, "Workers Compensation", "Expense", "Insurance", 11, None),
    (58, "Job Expenses", "Expense", "OtherMiscellaneousServiceCost", None, None),
    (59, "Cost of Labor", "Expense", "CostOfLabor", 58, None),
    (60, "Installation", "Expense", "CostOfLabor", 59, None),
    (61, "Maintenance and Repairs", "Expense", "CostOfLabor", 59, None),
    (62, "Equipment Rental", "Expense", "EquipmentRental", 58, None),
    (63, "Job Materials", "Expense", "SuppliesMaterials", 58, None),
    (64, "Decks and Patios", "Expense", "SuppliesMaterials", 63, None),
    (65, "Fountain and Garden Lighting", "Expense", "SuppliesMaterials", 63, None),
    (66, "Plants and Soil", "Expense", "SuppliesMaterials", 63, None),
    (67, "Sprinklers and Drip Systems", "Expense", "SuppliesMaterials", 63, None),
    (68, "Permits", "Expense", "OtherMiscellaneousServiceCost", 58, None),
    (69, "Accounting", "Expense", "LegalProfessionalFees", 12, None),
    (70, "Bookkeeper", "Expense", "LegalProfessionalFees", 12, None),
    (71, "Lawyer", "Expense", "LegalProfessionalFees", 12, None),
    (72, "Maintenance and Repair", "Expense", "RepairMaintenance", None, None),
    (73, "Building Repairs", "Expense", "RepairMaintenance", 72, None),
    (74, "Computer Repairs", "Expense", "RepairMaintenance", 72, None),
    (75, "Equipment Repairs", "Expense", "RepairMaintenance", 72, None),
    (76, "Gas and Electric", "Expense", "Utilities", 24, None),
    (77, "Telephone", "Expense", "Utilities", 24, None),
    (78, "Purchases", "Expense", "SuppliesMaterials", None, None),
    (79, "Sales of Product Income", "Income", "SalesOfProductIncome", None, None),
    (80, "Cost of Goods Sold", "Cost of Goods Sold", "SuppliesMaterialsCogs", None, None),
    (81, "Inventory Asset", "Other Current Asset", "Inventory", None, "1300"),
    (82, "Design income", "Income", "ServiceFeeIncome", None, None),
    (83, "Other Income", "Income", "OtherPrimaryIncome", None, None),
    (84, "Accounts Receivable (A/R)", "Accounts Receivable", "AccountsReceivable", None, "1100"),
    (85, "Billable Expense Income", "Income", "OtherPrimaryIncome", None, None),
    (86, "Discounts given", "Income", "DiscountsRefundsGiven", None, None),
    (87, "Unapplied Cash Payment Income", "Income", "UnappliedCashPaymentIncome", None, None),
    (88, "Unapplied Cash Bill Payment Expense", "Expense", "UnappliedCashBillPaymentExpense",
     None, None),
    (89, "Arizona Dept. of Revenue Payable", "Other Current Liability", "GlobalTaxPayable",
     None, None),
    (90, "Board of Equalization Payable", "Other Current Liability", "GlobalTaxPayable",
     None, None),
    (91, "Merchant account fees", "Expense", "BankCharges", None, None),
    (92, "Tips Income", "Income", "OtherPrimaryIncome", None, None),
]
# Outside the US the two sales-tax agency accounts are the country's tax accounts.
TAX_ACCOUNTS = {
    "CA": {89: ("GST/HST Payable", "GlobalTaxPayable"), 90: ("PST Payable", "GlobalTaxPayable")},
    "GB": {89: ("VAT Control", "GlobalTaxPayable"), 90: ("VAT Suspense", "GlobalTaxSuspense")},
    "AU": {89: ("GST Payable", "GlobalTaxPayable"), 90: ("GST Suspense", "GlobalTaxSuspense")},
}
# Balance-sheet balances that no sample transaction explains (Intuit's sample figures).
OPENING_BALANCES = {36: "800.00", 38: "13495.00", 41: "157.72", 43: "4000.00", 44: "25000.00",
                    34: "-9337.50"}
CHECKING_OPENING = Decimal("1201.00")

PAYMENT_METHODS = [("Cash", "NON_CREDIT_CARD"), ("Check", "NON_CREDIT_CARD"),
                   ("Visa", "CREDIT_CARD"), ("MasterCard", "CREDIT_CARD"),
                   ("Discover", "CREDIT_CARD"), ("American Express", "CREDIT_CARD"),
                   ("Diners Club", "CREDIT_CARD")]
# QBO's four default terms (so "Net 30" is 3, as Preferences' DefaultTerms says), then one more.
TERMS = [("Due on receipt", 0), ("Net 15", 15), ("Net 30", 30), ("Net 60", 60), ("Net 10", 10)]
CLASSES = ["Design", "Landscaping", "Maintenance"]
DEPARTMENTS = ["North", "South"]

# Items after Intuit's 1 "Services": (Id, Name, Type, Description, UnitPrice, income account,
# taxable, inventory/non-inventory details). Inventory: (Sku, PurchaseCost, QtyOnHand);
# NonInventory: expense account Id.
ITEMS: list[tuple[int, str, str, str, str, int, bool, Any]] = [
    (2, "Hours", "Service", "", "0", 1, False, None),
    (3, "Concrete", "Service", "Concrete for fountain installation", "0", 48, True, None),
    (4, "Design", "Service", "Custom Design", "75", 82, False, None),
    (5, "Rock Fountain", "Inventory", "Rock Fountain", "275", 79, True, ("RF-001", "125", 2)),
    (6, "Gardening", "Service", "Weekly Gardening Service", "0", 51, False, None),
    (7, "Installation", "Service", "Installation of landscape design", "50", 52, False, None),
    (8, "Lighting", "Service", "Garden Lighting", "0", 48, True, None),
    (9, "Maintenance & Repair", "Service", "Maintenance & Repair", "0", 53, False, None),
    (10, "Pest Control", "Service", "Pest Control Services", "35", 54, False, None),
    (11, "Pump", "Inventory", "Fountain Pump", "15", 79, True, ("PMP-15", "10", 25)),
    (12, "Refunds & Allowances", "Service", "Income due to refunds or allowances", "0", 6,
     False, None),
    (13, "Rocks", "Service", "Garden Rocks", "0", 48, True, None),
    (14, "Sod", "Service", "Sod", "0", 49, True, None),
    (15, "Soil", "NonInventory", "2 cubic ft. bag", "10", 49, True, 66),
    (16, "Sprinkler Heads", "Inventory", "Sprinkler Heads", "2", 79, True, ("SH-02", "0.75", 25)),
    (17, "Sprinkler Pipes", "Inventory", "Sprinkler Pipes", "4", 79, True, ("SP-04", "2.50", 31)),
    (18, "Trimming", "Service", "Tree and Shrub Trimming", "35", 53, False, None),
]

# Intuit's sample customers with their Intuit Ids (8, 9 and 23 are Intuit's sub-customers,
# which the sandbox does not emulate): (Id, DisplayName, GivenName, FamilyName, CompanyName,
# street, city, state, postal code, phone, email).
CUSTOMERS: list[tuple[int, str, str, str, str, str, str, str, str, str, str]] = [
    (1, "Amy's Bird Sanctuary", "Amy", "Lauterbach", "Amy's Bird Sanctuary", "4581 Finch St.",
     "Bayshore", "CA", "94326", "(650) 555-3311", "Birds@Intuit.com"),
    (2, "Bill's Windsurf Shop", "Bill", "Lucchini", "Bill's Windsurf Shop", "12 Ocean Dr.",
     "Half Moon Bay", "CA", "94213", "(415) 444-6538", "Surf@Intuit.com"),
    (3, "Cool Cars", "Grace", "Pariente", "Cool Cars", "65 Ocean Dr.", "Half Moon Bay", "CA",
     "94213", "(415) 555-9933", "Cool_Cars@intuit.com"),
    (4, "Diego Rodriguez", "Diego", "Rodriguez", "", "321 Channing", "Palo Alto", "CA", "94303",
     "(650) 555-4477", "Diego@Rodriguez.com"),
    (5, "Dukes Basketball Camp", "Peter", "Dukes", "Dukes Basketball Camp", "25 Court St.",
     "Tucson", "AZ", "85719", "(520) 420-5638", "Dukes_bball@intuit.com"),
    (6, "Dylan Sollfrank", "Dylan", "Sollfrank", "", "", "", "", "", "", ""),
    (7, "Freeman Sporting Goods", "Sasha", "Tillou", "Freeman Sporting Goods", "370 Easy St.",
     "Middlefield", "CA", "94482", "(650) 555-0987", "Sporting_goods@intuit.com"),
    (10, "Geeta Kalapatapu", "Geeta", "Kalapatapu", "", "1987 Main St.", "Middlefield", "CA",
     "94303", "(650) 555-0022", "Geeta@Kalapatapu.com"),
    (11, "Gevelber Photography", "Lisa", "Gevelber", "Gevelber Photography", "1103 Cooper St.",
     "Menlo Park", "CA", "94304", "(415) 222-4345", "Photography@intuit.com"),
    (12, "Jeff's Jalopies", "Jeff", "Chin", "Jeff's Jalopies", "12 Willow Rd.", "Menlo Park",
     "CA", "94305", "(650) 555-8989", "Jalopies@intuit.com"),
    (13, "John Melton", "John", "Melton", "", "85 Pine St.", "Menlo Park", "CA", "94304",
     "(650) 555-5879", "John@Melton.com"),
    (14, "Kate Whelan", "Kate", "Whelan", "", "45 First St.", "Menlo Park", "CA", "94304",
     "(650) 554-1479", "Kate@Whelan.com"),
    (15, "Pye's Cakes", "Karen", "Pye", "Pye's Cakes", "350 Mountain View Dr.", "South Orange",
     "NJ", "07079", "(973) 555-4652", "pyescakes@intuit.com"),
    (16, "Kookies by Kathy", "Kathy", "Kuplis", "Kookies by Kathy", "789 Sugar Lane",
     "Middlefield", "CA", "94303", "(650) 555-7896", "qbwebsamplecompany@yahoo.com"),
    (17, "Mark Cho", "Mark", "Cho", "", "36 Willow Rd", "Menlo Park", "CA", "94304",
     "(650) 554-1479", "Mark@Cho.com"),
    (18, "Paulsen Medical Supplies", "Kathy", "Paulsen", "Paulsen Medical Supplies",
     "900 Main St.", "Middlefield", "CA", "94303", "(650) 557-1234", "Medical@intuit.com"),
    (19, "Rago Travel Agency", "Nicola", "Rago", "Rago Travel Agency", "753 Cedar St.",
     "Bayshore", "CA", "94326", "(650) 555-1596", "Rago_Travel@intuit.com"),
    (20, "Red Rock Diner", "Stephanie", "Martini", "Red Rock Diner", "500 Red Rock Rd.",
     "Bayshore", "CA", "94326", "(650) 555-4973", "qbwebsamplecompany@yahoo.com"),
    (21, "Rondonuwu Fruit and Vegi", "Tony", "Rondonuwu", "Rondonuwu Fruit and Vegi",
     "847 California Ave.", "San Jose", "CA", "95021", "(650) 555-2645", "Tony@Rondonuwu.com"),
    (22, "Shara Barnett", "Shara", "Barnett", "", "19 Main St.", "Middlefield", "CA", "94303",
     "(650) 555-4563", "Design@intuit.com"),
    (24, "Sonnenschein Family Store", "Russ", "Sonnenschein", "Sonnenschein Family Store",
     "5647 Cypress Hill Ave.", "Middlefield", "CA", "94303", "(650) 557-8463",
     "Familiystore@intuit.com"),
    (25, "Sushi by Katsuyuki", "Katsuyuki", "Yanagawa", "Sushi by Katsuyuki", "898 Elm St.",
     "Maplewood", "NJ", "07040", "(505) 570-0147", "Sushi@intuit.com"),
    (26, "Travis Waldron", "Travis", "Waldron", "", "78 First St.", "Monlo Park", "CA", "94304",
     "(650) 555-9874", "Travis@Waldron.com"),
    (27, "Video Games by Dan", "Dan", "Miller", "Video Games by Dan", "1525 Miller St.",
     "Middlefield", "CA", "94303", "(650) 555-3456", "Videogames@intuit.com"),
    (28, "Wedding Planning by Whitney", "Whitney", "Brown", "Wedding Planning by Whitney",
     "135 Broadway", "Menlo Park", "CA", "94304", "(650) 557-2323", "Dream_Wedding@intuit.com"),
    (29, "Weiskopf Consulting", "Nicola", "Weiskopf", "Weiskopf Consulting",
     "45967 Olympic Blvd.", "Middlefield", "CA", "94303", "(650) 555-1423",
     "Consulting@intuit.com"),
]

# Vendors (DisplayName, GivenName, FamilyName, CompanyName, street, city, state, postal code,
# phone, email, AcctNum), Ids 30 on; then the employees; then Bob's Burger Joint (added later
# in Intuit's company, after the employees).
VENDORS: list[tuple[str, str, str, str, str, str, str, str, str, str, str]] = [
    ("Books by Bessie", "Bessie", "Williams", "Books by Bessie", "15 Main St.", "Palo Alto",
     "CA", "94303", "(650) 555-7745", "Books@Intuit.com", "1345"),
    ("Brosnahan Insurance Agency", "Nick", "Brosnahan", "Brosnahan Insurance Agency",
     "P.O. Box 5", "Middlefield", "CA", "94482", "(650) 555-9912", "", "7653412"),
    ("Cal Telephone", "", "", "Cal Telephone", "10 Main St.", "Palo Alto", "CA", "94303",
     "(650) 555-1616", "", ""),
    ("Chin's Gas and Oil", "", "", "Chin's Gas and Oil", "45 Main St.", "Middlefield", "CA",
     "94303", "(650) 555-4532", "", ""),
    ("Cigna Health Care", "", "", "Cigna Health Care", "", "", "", "", "(520) 555-9874", "", ""),
    ("Computers by Jenni", "Jenni", "Winslow", "Computers by Jenni", "1515 Main St.",
     "Middlefield", "CA", "94303", "(650) 555-8721", "Msfixit@Intuit.com", ""),
    ("Diego's Road Warrior Bodyshop", "", "", "Diego's Road Warrior Bodyshop", "46 Main St.",
     "Middlefield", "CA", "94303", "(650) 555-4785", "", ""),
    ("EDD", "", "", "EDD", "", "", "", "", "", "", ""),
    ("Ellis Equipment Rental", "Julie", "Ellis", "Ellis Equipment Rental", "45896 Main St.",
     "Middlefield", "CA", "94303", "(650) 555-3333", "Rental@intuit.com", "39765"),
    ("Fidelity", "", "", "Fidelity", "", "", "", "", "", "Fidelity@intuit.com", ""),
    ("Hall Properties", "Melanie", "Hall", "Hall Properties", "P.O.Box 357", "South Orange",
     "NJ", "07079", "(973) 555-3827", "", "55642"),
    ("Hicks Hardware", "Geoff", "Hicks", "Hicks Hardware", "42 Main St.", "Middlefield", "CA",
     "94303", "(650) 554-1973", "", "556223"),
    ("Lee Advertising", "", "", "Lee Advertising", "776 Middlefield Rd.", "Middlefield", "CA",
     "94303", "(650) 554-4622", "", "776543"),
    ("Mahoney Mugs", "Shirley", "Mahoney", "Mahoney Mugs", "", "", "", "", "", "", ""),
    ("Met Life Dental", "", "", "Met Life Dental", "", "", "", "", "", "", ""),
    ("National Eye Care", "", "", "National Eye Care", "", "", "", "", "",
     "Nateyecare@intuit.com", ""),
    ("Norton Lumber and Building Materials", "", "", "Norton Lumber and Building Materials",
     "4528 Main St.", "Middlefield", "CA", "94303", "(650) 555-9876", "Materials@intuit.com",
     "4564"),
    ("PG&E", "", "", "PG&E", "4 Main St.", "Middlefield", "CA", "94303", "(888) 555-9465",
     "Utilities@noemail.com", ""),
    ("Pam Seitz", "Pam", "Seitz", "", "", "", "", "", "(408) 555-3388", "SeitzCPA@noemail.com",
     ""),
    ("Robertson & Associates", "", "", "Robertson & Associates", "P.O. Box 147", "Bayshore",
     "CA", "94326", "(650) 557-1111", "", ""),
    ("Squeaky Kleen Car Wash", "", "", "Squeaky Kleen Car Wash", "", "", "", "", "", "", ""),
    ("Tania's Nursery", "Tania", "Ruiz", "Tania's Nursery", "1111 Main St.", "Middlefield",
     "CA", "94303", "(650) 555-5487", "plantqueen@taniasnursery.com", ""),
    ("Tim Philip Masonry", "Tim", "Philip", "Tim Philip Masonry", "3948 Elm St.",
     "Middlefield", "CA", "94482", "(800) 556-1254", "tim.philip@timphilipmasonry.com", ""),
    ("Tony Rondonuwu", "Tony", "Rondonuwu", "", "", "", "", "", "", "tonyrjr@intuit.com", ""),
    ("United States Treasury", "", "", "United States Treasury", "", "", "", "", "",
     "taxesaregreat@intuit.com", ""),
]
LATE_VENDORS = [
    ("Bob's Burger Joint", "", "", "Bob's Burger Joint", "", "", "", "", "", "", ""),
]
# (GivenName, FamilyName, street, city, state, postal code, phone, EmployeeNumber)
EMPLOYEES = [
    ("Emily", "Platt", "", "", "", "", "(540) 555-3212", ""),
    ("John", "Johnson", "45 N. Elm Street", "Middlefield", "CA", "93242", "(540) 555-9645",
     "E-102"),
]

# Invoices: (DocNumber, customer Id, days before now, [(item Id, Qty, UnitPrice)]).
INVOICES: list[tuple[str, int, int, list[tuple[int, int, str]]]] = [
    ("1001", 1, 118, [(6, 4, "25"), (10, 1, "35")]),
    ("1002", 2, 112, [(18, 5, "35")]),
    ("1003", 3, 105, [(5, 1, "275"), (11, 2, "15"), (7, 8, "50"), (13, 1, "120")]),
    ("1004", 4, 98, [(9, 1, "140")]),
    ("1005", 5, 92, [(4, 2, "75"), (16, 20, "2"), (17, 15, "4")]),
    ("1006", 6, 85, [(6, 3, "25"), (15, 5, "10")]),
    ("1007", 13, 80, [(4, 6, "75"), (7, 6, "50")]),
    ("1009", 7, 76, [(5, 1, "275"), (11, 1, "15"), (8, 1, "100")]),
    ("1010", 29, 70, [(4, 5, "75")]),
    ("1012", 22, 64, [(7, 3, "50"), (16, 25, "2"), (17, 20, "4")]),
    ("1013", 20, 60, [(6, 6, "25"), (18, 2, "35")]),
    ("1016", 16, 55, [(10, 1, "35"), (6, 1, "40")]),
    ("1018", 26, 50, [(14, 10, "12"), (15, 8, "10"), (7, 2, "50")]),
    ("1019", 14, 46, [(4, 2, "75")]),
    ("1020", 17, 42, [(13, 1, "300"), (3, 1, "150")]),
    ("1021", 1, 38, [(4, 3, "75"), (7, 4, "50"), (8, 1, "34")]),
    ("1022", 10, 35, [(4, 4, "75"), (7, 5, "50"), (5, 1, "275")]),
    ("1023", 19, 33, [(9, 1, "100"), (10, 2, "35")]),
    ("1024", 21, 30, [(6, 4, "25"), (13, 1, "60")]),
    ("1025", 24, 28, [(5, 1, "275"), (11, 1, "15"), (7, 2, "50")]),
    ("1026", 25, 26, [(4, 1, "75"), (18, 2, "35")]),
    ("1027", 2, 24, [(10, 1, "35"), (18, 1, "50")]),
    ("1028", 27, 21, [(6, 4, "25"), (14, 5, "10")]),
    ("1030", 28, 19, [(4, 4, "75"), (8, 2, "45")]),
    ("1031", 11, 16, [(9, 2, "70")]),
    ("1032", 12, 13, [(9, 1, "90"), (10, 1, "35")]),
    ("1033", 10, 11, [(4, 3, "75"), (5, 1, "275"), (11, 1, "15")]),
    ("1034", 18, 9, [(18, 4, "35"), (6, 2, "25")]),
    ("1035", 17, 7, [(16, 10, "2"), (17, 10, "4"), (7, 4, "50")]),
    ("1036", 7, 5, [(8, 3, "45"), (13, 2, "60"), (7, 3, "50")]),
    ("1037", 24, 2, [(4, 2, "75"), (15, 10, "10"), (14, 6, "10")]),
]
# Payments: (DocNumber paid, amount or None for the whole balance, PaymentMethod Id, deposit
# account Id (4 Undeposited Funds, 35 Checking), days before now, PaymentRefNum).
PAYMENTS: list[tuple[str, str | None, str, str, int, str]] = [
    ("1001", None, "2", "35", 110, "1045"),
    ("1002", None, "3", "4", 100, ""),
    ("1003", "500", "2", "35", 95, "5540"),
    ("1004", None, "1", "4", 90, ""),
    ("1006", None, "1", "4", 80, ""),
    ("1007", "300", "2", "4", 75, "2010"),
    ("1010", None, "2", "35", 60, "7733"),
    ("1013", None, "4", "4", 55, ""),
    ("1018", "100", "1", "4", 40, ""),
    ("1019", None, "6", "4", 40, ""),
    ("1020", None, "5", "4", 35, ""),
    ("1022", None, "2", "35", 30, "6017"),
    ("1023", None, "7", "4", 25, ""),
    ("1035", "50", "3", "4", 3, ""),
]
# A 10% discount on these invoices (their lines are not taxed in the US).
DISCOUNTS = {"1010": 10, "1019": 10}
# Other sales forms, in the DocNumbers the invoices leave free. Sales receipts: (DocNumber,
# customer Id, days before now, lines, PaymentMethod Id, deposit account Id).
SALES_RECEIPTS: list[tuple[str, int, int, list[tuple[int, int, str]], str, str]] = [
    ("1008", 14, 78, [(5, 1, "275")], "1", "4"),
    ("1011", 6, 66, [(4, 2, "75")], "2", "35"),
    ("1014", 4, 52, [(10, 1, "35")], "3", "4"),
    ("1029", 15, 20, [(6, 4, "25"), (15, 2, "10")], "4", "4"),
]
# Refund receipts: (DocNumber, customer Id, days before now, lines, PaymentMethod Id, the
# account the money leaves from).
REFUND_RECEIPTS: list[tuple[str, int, int, list[tuple[int, int, str]], str, str]] = [
    ("1017", 14, 44, [(12, 1, "87.50")], "2", "35"),
]
# Credit memos: (DocNumber, customer Id, days before now, lines).
CREDIT_MEMOS: list[tuple[str, int, int, list[tuple[int, int, str]]]] = [
    ("1015", 1, 30, [(12, 1, "100")]),
]
# Bank deposits of payments waiting in Undeposited Funds: (days before now, the DocNumbers of
# the invoices those payments paid, bank account Id).
DEPOSITS: list[tuple[int, list[str], str]] = [(85, ["1002", "1004"], "35")]
# Expenses: (PaymentType, paid from account Id, vendor, days before now, DocNumber, lines:
# (expense account Id, None, amount) or (inventory item Id, Qty, unit cost)).
PURCHASES: list[tuple[str, str, str, int, str, list[tuple[int, int | None, str]]]] = [
    ("CreditCard", "41", "Squeaky Kleen Car Wash", 62, "", [(55, None, "19.99")]),
    ("Check", "35", "Hicks Hardware", 48, "75", [(66, None, "228.75")]),
    ("Cash", "35", "Chin's Gas and Oil", 31, "", [(56, None, "63.15")]),
    ("CreditCard", "42", "Tania's Nursery", 12, "", [(16, 10, "0.75"), (67, None, "42.40")]),
]
CUSTOMER_MEMO = "Thank you for your business and have a great day!"

# US sales tax as in Intuit's US sample company: agencies, rates (Id, Name, %, agency) and
# codes (Id, Name, rate Ids). Which code a customer's invoices use goes by its state.
US_TAX_AGENCIES = [(1, "Arizona Dept. of Revenue"), (2, "Board of Equalization")]
US_TAX_RATES = [(1, "AZ State tax", "7.1", 1), (2, "Tucson City", "0.5", 1),
                (3, "California", "8", 2)]
US_TAX_CODES = [(2, "California", [3]), (3, "Tucson", [1, 2])]
US_STATE_TAX = {"CA": 2, "AZ": 3}  # state -> TaxCode Id; other states: lines are NON
OTHER_TAX_AGENCIES = {"CA": "Canada Revenue Agency", "GB": "HM Revenue & Customs",
                      "AU": "Australian Taxation Office"}
# Outside the US: (TaxCode name for taxable lines, for the others), by the codes' names.
LINE_TAX_CODES = {"CA": ("HST ON", "Exempt"), "GB": ("20.0% S", "0.0% Z"),
                  "AU": ("GST", "GST free")}


def fill_company(store: Store, realm_id: str, now: float) -> dict[str, int]:
    """Fill a just-created company with Intuit-like sample data; return counts per entity."""
    company = store.company(realm_id)
    if company is None:
        raise ValueError(f"no company with realm id {realm_id}")
    with store.transaction():
        filler = _Filler(store, company, now)
        filler.fill()
    return {name: len(store.entities(realm_id, name)) for name in SAMPLE_ENTITIES}


def id_space(entity: str) -> str:
    """The counter an entity's new Ids come from (see `catalog.ID_SPACES`)."""
    return catalog.ID_SPACES.get(entity, entity)


def set_counter_at_least(store: Store, realm_id: str, space: str, value: int) -> None:
    """Make the next Id `store.next_id` hands out in `space` greater than `value`."""
    store.execute(
        "INSERT INTO counters (realm_id, space, value) VALUES (?, ?, ?) "
        "ON CONFLICT(realm_id, space) DO UPDATE SET value = MAX(value, excluded.value)",
        (realm_id, space, value),
    )


class _Filler:
    def __init__(self, store: Store, company: dict[str, Any], now: float) -> None:
        self.store = store
        self.company = company
        self.realm = company["realm_id"]
        self.country = company["country"]
        self.now = now
        self.today = datetime.fromtimestamp(now, UTC).date()
        code, name = CURRENCIES[self.country]
        self.currency = {"value": code, "name": name}
        self.books = Books(store, company, now)
        self.customers: dict[int, dict[str, Any]] = {}
        self.invoices: dict[str, dict[str, Any]] = {}
        self.payments: dict[str, dict[str, Any]] = {}
        self.line_codes: tuple[str, str] = ("NON", "NON")  # outside the US: see transactions

    def meta(self) -> dict[str, str]:
        return {"CreateTime": iso(self.now), "LastUpdatedTime": iso(self.now)}

    def put(self, entity: str, data: dict[str, Any]) -> dict[str, Any]:
        data = {"Id": str(data.pop("Id")), "SyncToken": "0", **data, "domain": "QBO",
                "sparse": False, "MetaData": self.meta()}
        self.store.put_entity(self.realm, entity, data)
        return data

    def date(self, days_ago: int) -> str:
        return (self.today - timedelta(days=days_ago)).isoformat()

    def fill(self) -> None:
        self.accounts()
        self.taxes()
        self.lists()
        self.items()
        self.people()
        self.transactions()
        sample_books.fill(self)
        self.balances()

    # chart of accounts --------------------------------------------------------------------
    def accounts(self) -> None:
        names = {number: name for number, name, *_ in ACCOUNTS}
        parents = {number: parent for number, _, _, _, parent, _ in ACCOUNTS}
        local = TAX_ACCOUNTS.get(self.country, {})

        def full_name(number: int) -> str:
            parent = parents[number]
            own = local.get(number, (names[number],))[0]
            return own if parent is None else f"{full_name(parent)}:{own}"

        for number, name, kind, sub_type, parent, acct_num in ACCOUNTS:
            if number in local:
                name, sub_type = local[number]
            data: dict[str, Any] = {
                "Id": number, "Name": name, "SubAccount": parent is not None,
                "FullyQualifiedName": full_name(number), "Active": True,
                "Classification": CLASSIFICATION[kind], "AccountType": kind,
                "AccountSubType": sub_type, "CurrentBalance": 0,
                "CurrentBalanceWithSubAccounts": 0, "CurrencyRef": dict(self.currency),
            }
            if parent is not None:
                data["ParentRef"] = {"value": str(parent)}
            if acct_num:
                data["AcctNum"] = acct_num
            self.put("Account", data)
        set_counter_at_least(self.store, self.realm, id_space("Account"),
                             max(n for n, *_ in ACCOUNTS))

    def account_ref(self, number: int) -> dict[str, str]:
        account = self.store.entity(self.realm, "Account", str(number))
        assert account is not None
        return {"value": str(number), "name": account["FullyQualifiedName"]}

    # tax ------------------------------------------------------------------------------------
    def taxes(self) -> None:
        if self.country != "US":
            self.put("TaxAgency", {"Id": 1, "DisplayName": OTHER_TAX_AGENCIES[self.country],
                                   "TaxTrackedOnSales": True, "TaxTrackedOnPurchases": True})
            set_counter_at_least(self.store, self.realm, id_space("TaxAgency"), 1)
            return
        if self.store.entities(self.realm, "TaxCode") or self.store.entities(self.realm,
                                                                              "TaxRate"):
            raise ValueError("US sample data brings Intuit's tax codes: create the company "
                             "without tax_codes")
        for agency_id, name in US_TAX_AGENCIES:
            self.put("TaxAgency", {"Id": agency_id, "DisplayName": name,
                                   "TaxTrackedOnSales": True, "TaxTrackedOnPurchases": False})
        rates = {}
        for rate_id, name, percent, agency in US_TAX_RATES:
            rates[rate_id] = self.put("TaxRate", {
                "Id": rate_id, "Name": name, "Description": name, "Active": True,
                "RateValue": as_json_number(Decimal(percent)), "AgencyRef": {"value": str(agency)},
                "SpecialTaxType": "NONE", "DisplayType": "ReadOnly",
            })
        for code_id, name, rate_ids in US_TAX_CODES:
            self.put("TaxCode", {
                "Id": code_id, "Name": name, "Description": name, "Active": True,
                "Taxable": True, "TaxGroup": True, "Hidden": False,
                "SalesTaxRateList": {"TaxRateDetail": [
                    {"TaxRateRef": {"value": str(r), "name": rates[r]["Name"]},
                     "TaxTypeApplicable": "TaxOnAmount", "TaxOrder": 0} for r in rate_ids]},
                "PurchaseTaxRateList": {"TaxRateDetail": []},
            })
        for entity, rows in (("TaxAgency", US_TAX_AGENCIES), ("TaxRate", US_TAX_RATES),
                             ("TaxCode", US_TAX_CODES)):
            set_counter_at_least(self.store, self.realm, id_space(entity),
                                 max(row[0] for row in rows))

    def us_tax_percent(self, code_id: int) -> Decimal:
        code = next(c for c in US_TAX_CODES if c[0] == code_id)
        return sum((Decimal(r[2]) for r in US_TAX_RATES if r[0] in code[2]), Decimal(0))

    # payment methods, terms, classes, departments -----------------------------------------
    def lists(self) -> None:
        for number, (name, kind) in enumerate(PAYMENT_METHODS, start=1):
            self.put("PaymentMethod", {"Id": number, "Name": name, "Active": True, "Type": kind})
        for number, (name, days) in enumerate(TERMS, start=1):
            self.put("Term", {"Id": number, "Name": name, "Active": True, "Type": "STANDARD",
                              "DueDays": days})
        for number, name in enumerate(CLASSES, start=1):
            self.put("Class", {"Id": number, "Name": name, "SubClass": False,
                               "FullyQualifiedName": name, "Active": True})
        for number, name in enumerate(DEPARTMENTS, start=1):
            self.put("Department", {"Id": number, "Name": name, "SubDepartment": False,
                                    "FullyQualifiedName": name, "Active": True})
        for entity, count in (("PaymentMethod", len(PAYMENT_METHODS)), ("Term", len(TERMS)),
                              ("Class", len(CLASSES)), ("Department", len(DEPARTMENTS))):
            set_counter_at_least(self.store, self.realm, id_space(entity), count)

    # items ----------------------------------------------------------------------------------
    def items(self) -> None:
        start = self.date(365)
        for number, name, kind, description, price, income, taxable, extra in ITEMS:
            data: dict[str, Any] = {
                "Id": number, "Name": name, "Description": description, "Active": True,
                "FullyQualifiedName": name, "Taxable": taxable,
                "UnitPrice": as_json_number(Decimal(price)), "Type": kind,
                "IncomeAccountRef": self.account_ref(income),
                "PurchaseCost": 0, "TrackQtyOnHand": False, "SubItem": False,
            }
            if not description:
                data.pop("Description")
            if kind == "Inventory":
                sku, cost, quantity = extra
                # Enough on hand for the sample sales; `balances` sets the final count.
                quantity += sum(qty for *_, lines in _sales() for item, qty, _ in lines
                                if item == number)
                data.update(
                    Sku=sku, PurchaseDesc=description,
                    PurchaseCost=as_json_number(Decimal(cost)),
                    ExpenseAccountRef=self.account_ref(80), AssetAccountRef=self.account_ref(81),
                    TrackQtyOnHand=True, QtyOnHand=quantity, InvStartDate=start,
                )
            elif kind == "NonInventory":
                data["ExpenseAccountRef"] = self.account_ref(extra)
            self.put("Item", data)
        set_counter_at_least(self.store, self.realm, id_space("Item"), max(i[0] for i in ITEMS))

    # customers, vendors, employees --------------------------------------------------------
    def people(self) -> None:
        for (number, display, given, family, company, street, city, state, postal, phone,
             email) in CUSTOMERS:
            # Intuit's Ids: skip those its sub-customers hold.
            set_counter_at_least(self.store, self.realm, id_space("Customer"), number - 1)
            payload: dict[str, Any] = {
                "DisplayName": display, "GivenName": given, "FamilyName": family,
                "CompanyName": company, "PrintOnCheckName": company or display,
                "CurrencyRef": dict(self.currency), "SalesTermRef": {"value": "3"},
            }
            payload.update(_contact(street, city, state, postal, phone, email))
            customer = self.books.create("Customer", payload, {"include": ""})
            assert customer["Id"] == str(number), (customer["Id"], number)
            self.customers[number] = customer
        taken = {c["DisplayName"].casefold() for c in self.customers.values()}
        last = max(self.customers)
        for rows, entity in ((VENDORS, "Vendor"), (EMPLOYEES, "Employee"),
                             (LATE_VENDORS, "Vendor")):
            set_counter_at_least(self.store, self.realm, id_space(entity), last)
            for row in rows:
                data = (self.vendor(row) if entity == "Vendor" else self.employee(row))
                if data["DisplayName"].casefold() in taken:
                    raise ValueError(f"sample name {data['DisplayName']!r} is used twice")
                taken.add(data["DisplayName"].casefold())
                data["Id"] = self.store.next_id(self.realm, id_space(entity))
                last = max(last, int(data["Id"]))
                self.put(entity, data)
        for entity in ("Customer", "Vendor", "Employee"):  # one name list, as in QBO
            set_counter_at_least(self.store, self.realm, id_space(entity), last)

    def vendor(self, row: tuple[str, ...]) -> dict[str, Any]:
        display, given, family, company, street, city, state, postal, phone, email, acct = row
        data: dict[str, Any] = {"DisplayName": display, "PrintOnCheckName": company or display,
                                "Active": True, "Balance": 0, "Vendor1099": False,
                                "CurrencyRef": dict(self.currency)}
        for key, value in (("GivenName", given), ("FamilyName", family),
                           ("CompanyName", company), ("AcctNum", acct)):
            if value:
                data[key] = value
        data.update(_contact(street, city, state, postal, phone, email))
        return data

    def employee(self, row: tuple[str, ...]) -> dict[str, Any]:
        given, family, street, city, state, postal, phone, number = row
        display = f"{given} {family}"
        data: dict[str, Any] = {"GivenName": given, "FamilyName": family,
                                "DisplayName": display, "PrintOnCheckName": display,
                                "Active": True, "BillableTime": False}
        if number:
            data["EmployeeNumber"] = number
        contact = _contact(street, city, state, postal, phone, "")
        if "BillAddr" in contact:
            data["PrimaryAddr"] = contact.pop("BillAddr")
        data.update(contact)
        return data

    # invoices, payments and the other sales forms ------------------------------------------
    def transactions(self) -> None:
        codes = {c["Name"]: c["Id"] for c in self.store.entities(self.realm, "TaxCode")}
        if self.country != "US":
            if not codes:
                raise ValueError("sample data outside the US needs at least one tax code")
            wanted = LINE_TAX_CODES[self.country]
            ordered = list(codes.values())
            self.line_codes = (codes.get(wanted[0], ordered[0]), codes.get(wanted[1], ordered[-1]))
        for doc, customer_id, days_ago, lines in INVOICES:
            payload = self.sales_form(doc, customer_id, days_ago, lines)
            txn_date = date.fromisoformat(payload["TxnDate"])
            payload.update(DueDate=(txn_date + timedelta(days=30)).isoformat(),
                           SalesTermRef={"value": "3", "name": "Net 30"})
            if doc in DISCOUNTS:
                payload["Line"].append({
                    "DetailType": "DiscountLineDetail", "Amount": 0,
                    "DiscountLineDetail": {"PercentBased": True,
                                           "DiscountPercent": DISCOUNTS[doc],
                                           "DiscountAccountRef": {"value": "86"}}})
            self.invoices[doc] = self.books.create("Invoice", payload, {"include": ""})
        for doc, amount, method, deposit_to, days_ago, ref_num in PAYMENTS:
            invoice = self.store.entity(self.realm, "Invoice", self.invoices[doc]["Id"])
            assert invoice is not None
            paid = money(Decimal(amount)) if amount else money(Decimal(str(invoice["Balance"])))
            payload = {
                "CustomerRef": {"value": invoice["CustomerRef"]["value"]},
                "TotalAmt": as_json_number(paid), "TxnDate": self.date(days_ago),
                "PaymentMethodRef": {"value": method},
                "DepositToAccountRef": {"value": deposit_to},
                "Line": [{"Amount": as_json_number(paid),
                          "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}],
            }
            if ref_num:
                payload["PaymentRefNum"] = ref_num
            self.payments[doc] = self.books.create("Payment", payload, {"include": ""})
        self.other_forms()

    def sales_form(self, doc: str, customer_id: int, days_ago: int,
                   lines: list[tuple[int, int, str]]) -> dict[str, Any]:
        """An invoice's, sales receipt's, refund receipt's or credit memo's common fields:
        lines with the country's tax codes, and (US) the sales tax of the customer's state."""
        items = {i[0]: i for i in ITEMS}
        customer = self.customers[customer_id]
        state = customer.get("BillAddr", {}).get("CountrySubDivisionCode", "")
        us_code = US_STATE_TAX.get(state) if self.country == "US" else None
        sent_lines, taxable = [], Decimal(0)
        for item_id, qty, price in lines:
            item = items[item_id]
            amount = money(Decimal(qty) * Decimal(price))
            if self.country == "US":
                tax_code = "TAX" if item[6] and us_code else "NON"
            else:
                tax_code = self.line_codes[0] if item[6] else self.line_codes[1]
            if item[6] and us_code:
                taxable += amount
            sent_lines.append({
                "DetailType": "SalesItemLineDetail", "Amount": as_json_number(amount),
                "Description": item[3] or item[1],
                "SalesItemLineDetail": {
                    "ItemRef": {"value": str(item_id)},
                    "Qty": qty, "UnitPrice": as_json_number(Decimal(price)),
                    "TaxCodeRef": {"value": tax_code},
                },
            })
        payload: dict[str, Any] = {
            "DocNumber": doc, "TxnDate": self.date(days_ago),
            "CustomerRef": {"value": customer["Id"]}, "Line": sent_lines,
            "CustomerMemo": {"value": CUSTOMER_MEMO},
        }
        if "BillAddr" in customer:
            payload["BillAddr"] = dict(customer["BillAddr"])
        if "PrimaryEmailAddr" in customer:
            payload["BillEmail"] = dict(customer["PrimaryEmailAddr"])
        if us_code:  # QBO's automated sales tax, worked out here: the state's rate
            tax = money(taxable * self.us_tax_percent(us_code) / 100)
            payload["TxnTaxDetail"] = {"TxnTaxCodeRef": {"value": str(us_code)},
                                       "TotalTax": as_json_number(tax)}
        return payload

    def other_forms(self) -> None:
        """Sales receipts, a refund receipt, a credit memo, a bank deposit and expenses, when
        the sandbox's Books writes them (`catalog.WRITABLE`)."""
        writable = catalog.WRITABLE
        if "SalesReceipt" in writable:
            for doc, customer_id, days_ago, lines, method, deposit_to in SALES_RECEIPTS:
                payload = self.sales_form(doc, customer_id, days_ago, lines)
                payload.update(PaymentMethodRef={"value": method},
                               DepositToAccountRef={"value": deposit_to})
                self.books.create("SalesReceipt", payload, {"include": ""})
        if "RefundReceipt" in writable:
            for doc, customer_id, days_ago, lines, method, paid_from in REFUND_RECEIPTS:
                payload = self.sales_form(doc, customer_id, days_ago, lines)
                payload.update(PaymentMethodRef={"value": method},
                               DepositToAccountRef={"value": paid_from})
                self.books.create("RefundReceipt", payload, {"include": ""})
        if "CreditMemo" in writable:
            for doc, customer_id, days_ago, lines in CREDIT_MEMOS:
                self.books.create("CreditMemo", self.sales_form(doc, customer_id, days_ago, lines),
                                  {"include": ""})
        if "Deposit" in writable:
            for days_ago, docs, deposit_to in DEPOSITS:
                paid = [self.payments[doc] for doc in docs]
                self.books.create("Deposit", {
                    "TxnDate": self.date(days_ago), "DepositToAccountRef": {"value": deposit_to},
                    "Line": [{"Amount": p["TotalAmt"],
                              "LinkedTxn": [{"TxnId": p["Id"], "TxnType": "Payment"}]}
                             for p in paid],
                }, {"include": ""})
        if "Purchase" in writable:
            vendors = {v["DisplayName"]: v for v in self.store.entities(self.realm, "Vendor")}
            for kind, paid_from, payee, days_ago, doc, lines in PURCHASES:
                sent = []
                for target, qty, amount in lines:
                    if qty is None:
                        sent.append({"DetailType": "AccountBasedExpenseLineDetail",
                                     "Amount": amount, "AccountBasedExpenseLineDetail": {
                                         "AccountRef": {"value": str(target)}}})
                    else:
                        price = Decimal(amount)
                        sent.append({"DetailType": "ItemBasedExpenseLineDetail",
                                     "Amount": as_json_number(money(qty * price)),
                                     "ItemBasedExpenseLineDetail": {
                                         "ItemRef": {"value": str(target)}, "Qty": qty,
                                         "UnitPrice": as_json_number(price)}})
                payload = {
                    "PaymentType": kind, "AccountRef": {"value": paid_from},
                    "EntityRef": {"value": vendors[payee]["Id"], "type": "Vendor"},
                    "TxnDate": self.date(days_ago), "Line": sent,
                }
                if doc:
                    payload["DocNumber"] = doc
                self.books.create("Purchase", payload, {"include": ""})

    # account balances and stock -----------------------------------------------------------
    def balances(self) -> None:
        """Balance-sheet accounts' CurrentBalance as the sample transactions leave them (the
        sandbox does not post transactions to accounts itself); inventory at its final count."""
        for number, *_, (_, _, final) in _inventory():
            item = self.store.entity(self.realm, "Item", str(number))
            assert item is not None
            item["QtyOnHand"] = final
            self.store.put_entity(self.realm, "Item", item)
        balances = {number: Decimal(value) for number, value in OPENING_BALANCES.items()}
        balances[35] = CHECKING_OPENING

        def add(account: Any, amount: Any) -> None:
            number = int(account)
            balances[number] = balances.get(number, Decimal(0)) + Decimal(str(amount))

        def stored(entity: str) -> list[dict[str, Any]]:
            return self.store.entities(self.realm, entity)

        add(84, sum((Decimal(str(c.get("Balance", 0))) for c in stored("Customer")), Decimal(0)))
        for entity, sign in (("Payment", 1), ("SalesReceipt", 1), ("RefundReceipt", -1),
                             ("Deposit", 1)):
            for txn in stored(entity):
                if txn.get("DepositToAccountRef"):
                    add(txn["DepositToAccountRef"]["value"], sign * Decimal(str(txn["TotalAmt"])))
        for deposit in stored("Deposit"):  # what it took out of Undeposited Funds
            for line in deposit.get("Line", []):
                if line.get("LinkedTxn"):
                    add(4, -Decimal(str(line["Amount"])))
        for purchase in stored("Purchase"):  # a bank account goes down, a card's debt up
            account = self.store.entity(self.realm, "Account", purchase["AccountRef"]["value"])
            sign = 1 if account and account["Classification"] == "Liability" else -1
            add(purchase["AccountRef"]["value"], sign * Decimal(str(purchase["TotalAmt"])))
        add(33, sum((Decimal(str(v.get("Balance", 0))) for v in stored("Vendor")), Decimal(0)))
        for payment in stored("BillPayment"):  # a check leaves the bank, a card's debt grows
            paid = Decimal(str(payment["TotalAmt"]))
            if payment["PayType"] == "Check":
                add(payment["CheckPayment"]["BankAccountRef"]["value"], -paid)
            else:
                add(payment["CreditCardPayment"]["CCAccountRef"]["value"], paid)
        for entity in catalog.BANKING_TXNS:  # debits and credits, in each account's sense
            for txn in stored(entity):
                for account_id, debit in postings(entity, txn):
                    account = self.store.entity(self.realm, "Account", account_id)
                    if account and account["Classification"] in ("Asset", "Liability",
                                                                  "Equity"):
                        add(account_id, debit if account["Classification"] == "Asset"
                            else -debit)
        add(81, sum((Decimal(str(i.get("QtyOnHand", 0))) * Decimal(str(i.get("PurchaseCost", 0)))
                     for i in stored("Item") if i.get("Type") == "Inventory"), Decimal(0)))
        tax_account = {"2": 90, "3": 89}  # US: the agency's payable account, by TaxCode
        for entity, sign in (("Invoice", 1), ("SalesReceipt", 1), ("RefundReceipt", -1),
                             ("CreditMemo", -1)):
            for txn in stored(entity):
                detail = txn.get("TxnTaxDetail") or {}
                code = (detail.get("TxnTaxCodeRef") or {}).get("value")
                account = tax_account.get(code, 90) if self.country == "US" else 89
                add(account, sign * Decimal(str(detail.get("TotalTax", 0))))
        children: dict[int, list[int]] = {}
        for number, _, _, _, parent, _ in ACCOUNTS:
            if parent is not None:
                children.setdefault(parent, []).append(number)

        def with_subs(number: int) -> Decimal:
            own = balances.get(number, Decimal(0))
            return own + sum((with_subs(c) for c in children.get(number, [])), Decimal(0))

        for number, *_ in ACCOUNTS:
            if not balances.get(number) and not with_subs(number):
                continue
            account = self.store.entity(self.realm, "Account", str(number))
            assert account is not None
            account["CurrentBalance"] = as_json_number(money(balances.get(number, Decimal(0))))
            account["CurrentBalanceWithSubAccounts"] = as_json_number(money(with_subs(number)))
            self.store.put_entity(self.realm, "Account", account)


def _sales() -> list[tuple[Any, ...]]:
    """Every sample sales form with item lines (lines last)."""
    return [*INVOICES, *[row[:4] for row in SALES_RECEIPTS]]


def _inventory() -> list[tuple[Any, ...]]:
    return [row for row in ITEMS if row[2] == "Inventory"]


def _contact(street: str, city: str, state: str, postal: str, phone: str,
             email: str) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if street:
        data["BillAddr"] = {"Line1": street, "City": city, "CountrySubDivisionCode": state,
                            "PostalCode": postal}
    if phone:
        data["PrimaryPhone"] = {"FreeFormNumber": phone}
    if email:
        data["PrimaryEmailAddr"] = {"Address": email}
    return data
