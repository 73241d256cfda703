import pytest
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode


@pytest.mark.django_db
def test_people_sign_in_with_their_email_address_in_any_case():
    user = get_user_model().objects.create_user(email="Ada@Example.com", password="s3cret-pass")
    assert user.email == "ada@example.com"
    assert authenticate(username="ADA@example.com", password="s3cret-pass") == user


@pytest.mark.django_db
def test_a_user_needs_an_email_address():
    with pytest.raises(ValueError, match="email address"):
        get_user_model().objects.create_user(email="", password="x")


@pytest.mark.django_db
def test_superusers_are_staff():
    admin = get_user_model().objects.create_superuser(email="root@example.com", password="x")
    assert admin.is_staff and admin.is_superuser


@pytest.mark.django_db
def test_healthz_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


@pytest.mark.django_db
def test_the_new_password_page_gives_the_password_rules_as_sentences(client, home):
    user = get_user_model().objects.create_user(email="ada@example.com", password="s3cret-pass")
    link = reverse(
        "password_reset_confirm",
        args=[
            urlsafe_base64_encode(force_bytes(user.pk)),
            default_token_generator.make_token(user),
        ],
    )

    response = client.get(link, follow=True)

    html = response.content.decode()
    assert "Choose a new password" in html
    assert "Your password must contain at least 8 characters." in html
    assert "&lt;ul&gt;" not in html and "&lt;li&gt;" not in html
