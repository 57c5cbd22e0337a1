"""Signing in and out, and what a user without an account sees."""

from django.urls import reverse

from invoices.models import User


def test_the_sign_in_page_asks_for_username_and_password(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b"Sign in" in response.content
    assert b'name="username"' in response.content
    assert b'name="password"' in response.content


def test_signing_in_opens_the_invoice_list(client, user):
    user.set_password("a long enough secret")
    user.save()
    response = client.post(
        reverse("login"), {"username": "alice", "password": "a long enough secret"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("invoices:invoice_list")
    assert b"Invoices" in response.content


def test_a_wrong_password_is_refused_with_a_message(client, user):
    response = client.post(reverse("login"), {"username": "alice", "password": "nope"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content


def test_signing_out_is_a_form_in_the_navigation(signed_in_client):
    response = signed_in_client.get(reverse("invoices:invoice_list"))
    assert f'action="{reverse("logout")}"'.encode() in response.content
    response = signed_in_client.post(reverse("logout"))
    assert response.url == reverse("login")
    assert signed_in_client.get(reverse("invoices:invoice_list")).status_code == 302


def test_a_user_without_an_account_is_told_why_they_see_nothing(client, db):
    client.force_login(User.objects.create_user(username="lost", password="x"))
    response = client.get(reverse("invoices:invoice_list"))
    assert response.status_code == 403
    assert b"not linked to a business" in response.content


def test_staff_without_an_account_are_sent_to_the_admin(client, db):
    client.force_login(User.objects.create_user(username="boss", password="x", is_staff=True))
    response = client.get(reverse("invoices:contact_list"))
    assert response.status_code == 302
    assert response.url == reverse("admin:index")
