import pytest
from django.contrib.auth import authenticate, get_user_model


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
