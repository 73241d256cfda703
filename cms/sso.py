"""Single sign-on through OpenID Connect: which providers, and whom they may vouch for.

Rules enforced here (and by ``cms.accounts`` through them):

* Providers come from ``OIDC_PROVIDERS``, a JSON list read when the settings
  load; anything missing, misspelt or malformed stops the site from starting
  with an error that names the provider and the key.
* A provider vouches only for addresses on the domains in ``SSO_DOMAINS``, and
  only for addresses it says it has verified: such a person gets an account
  the first time they sign in (if they have none), or their existing account,
  found by that address, is linked to the provider. Any other address is
  refused.
* People on the domains in ``SSO_REQUIRED_DOMAINS`` (a subset of
  ``SSO_DOMAINS``) sign in only through single sign-on: the password, sign-in
  code and password reset forms refuse their addresses, by domain alone, so
  the refusal says nothing about whether an account exists.

This module is read by the settings, so it imports nothing that needs them
at import time.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

PROVIDER_KEYS = {"id", "name", "server_url", "client_id", "secret"}
OPTIONAL_PROVIDER_KEYS = {"verified_email_domains"}
PROVIDER_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def oidc_providers(raw: str) -> list[dict]:
    """``OIDC_PROVIDERS`` as allauth's ``openid_connect`` apps; empty when unset."""
    if not raw.strip():
        return []
    try:
        entries = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ImproperlyConfigured(f"OIDC_PROVIDERS is not valid JSON: {error}.") from None
    if not isinstance(entries, list):
        raise ImproperlyConfigured(
            "OIDC_PROVIDERS must be a JSON list of providers, each "
            '{"id", "name", "server_url", "client_id", "secret"}.'
        )
    apps = []
    seen = set()
    for number, entry in enumerate(entries, start=1):
        where = f"OIDC_PROVIDERS entry {number}"
        if not isinstance(entry, dict):
            raise ImproperlyConfigured(f"{where} must be a JSON object, not {entry!r}.")
        if isinstance(entry.get("id"), str) and entry["id"]:
            where = f"OIDC_PROVIDERS entry {number} ({entry['id']!r})"
        missing = sorted(PROVIDER_KEYS - entry.keys())
        if missing:
            raise ImproperlyConfigured(f"{where} lacks {', '.join(missing)}.")
        unknown = sorted(entry.keys() - PROVIDER_KEYS - OPTIONAL_PROVIDER_KEYS)
        if unknown:
            raise ImproperlyConfigured(
                f"{where} has unknown keys {', '.join(unknown)}; the keys are "
                f"{', '.join(sorted(PROVIDER_KEYS | OPTIONAL_PROVIDER_KEYS))}."
            )
        for key in sorted(PROVIDER_KEYS):
            if not isinstance(entry[key], str) or not entry[key].strip():
                raise ImproperlyConfigured(f"{where}: {key} must be a non-empty string.")
        provider_id = entry["id"]
        if not PROVIDER_ID.match(provider_id):
            raise ImproperlyConfigured(
                f"{where}: id must be lower-case letters, digits, - and _ (it is part of "
                "the redirect URI), starting with a letter or digit."
            )
        if provider_id in seen:
            raise ImproperlyConfigured(f"{where}: the id {provider_id!r} is used twice.")
        seen.add(provider_id)
        server_url = entry["server_url"].strip().rstrip("/")
        parts = urlsplit(server_url)
        if parts.scheme not in {"https", "http"} or not parts.netloc:
            raise ImproperlyConfigured(
                f"{where}: server_url must be the provider's https:// issuer URL, "
                f"not {entry['server_url']!r}."
            )
        app_settings = {"server_url": server_url, "oauth_pkce_enabled": True}
        if "verified_email_domains" in entry:
            app_settings["verified_email"] = verified_email_domains(
                where, entry["verified_email_domains"]
            )
        apps.append(
            {
                "provider_id": provider_id,
                "name": entry["name"].strip(),
                "client_id": entry["client_id"].strip(),
                "secret": entry["secret"],
                "settings": app_settings,
            }
        )
    return apps


def verified_email_domains(where: str, value) -> list[str]:
    """Domains whose addresses the provider owns, so needs no ``email_verified`` claim for.

    Microsoft Entra ID sends no ``email_verified``; its tenant's own domains
    are verified by the tenant, so they are listed here (allauth's
    ``verified_email`` app setting).
    """
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ImproperlyConfigured(
            f"{where}: verified_email_domains must be a list of email domains."
        )
    return domains(f"{where}: verified_email_domains", ",".join(value))


def origins(apps: list[dict]) -> list[str]:
    """The origins of the providers' issuer URLs, for the policy's ``form-action``."""
    found = []
    for app in apps:
        parts = urlsplit(app["settings"]["server_url"])
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in found:
            found.append(origin)
    return found


def domains(name: str, raw: str) -> list[str]:
    """A comma-separated list of email domains, lower-cased and checked."""
    found = []
    for item in raw.split(","):
        domain = item.strip().lower().lstrip("@")
        if not domain:
            continue
        if not DOMAIN.match(domain):
            raise ImproperlyConfigured(
                f"{name} must list email domains separated by commas (like "
                f"example.org,example.com); {item.strip()!r} is not one."
            )
        if domain not in found:
            found.append(domain)
    return found


def check_required_domains(domains: list[str], required: list[str]) -> None:
    outside = [domain for domain in required if domain not in domains]
    if outside:
        raise ImproperlyConfigured(
            f"SSO_REQUIRED_DOMAINS lists {', '.join(outside)}, which SSO_DOMAINS does not; "
            "people there could then sign in no way at all. Add them to SSO_DOMAINS too."
        )


def email_domain(email: str) -> str:
    return email.rpartition("@")[2].strip().lower()


def vouches_for(email: str) -> bool:
    """Whether a provider's verified word for ``email`` is enough to sign its owner in."""
    return bool(email) and email_domain(email) in settings.SSO_DOMAINS


def requires_sso(email: str) -> bool:
    """Whether ``email`` may sign in only through single sign-on."""
    return bool(email) and email_domain(email) in settings.SSO_REQUIRED_DOMAINS


def required_message(email: str) -> str:
    return _(
        "Addresses at %(domain)s sign in through your organisation's single sign-on. "
        "Use the “Sign in with …” button on the sign-in page instead."
    ) % {"domain": email_domain(email)}


def refused_message() -> str:
    return _(
        "Your organisation's single sign-on is not set up for this address; ask your "
        "program admin."
    )
