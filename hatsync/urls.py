"""Top-level URLs: sign-in, the CRM, the integration screens and the admin."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from .forms import SignInForm
from .views import favicon, healthz, readyz

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="invoices:invoice_list",
                                     http_method_names=["get", "head"]), name="home"),
    path("login/", auth_views.LoginView.as_view(authentication_form=SignInForm), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    # Browsers and bookmarks still ask for /favicon.ico: the same icon as the pages link.
    path("favicon.ico", favicon, name="favicon"),
    path("", include("invoices.urls")),
    path("", include("integrations.urls")),
]

handler400 = "hatsync.views.bad_request"
