"""Who the test provider knows, and the client Trellis is to it; shared by it and the tests."""

from dataclasses import dataclass

PROVIDER_ID = "acme-sso"
PROVIDER_NAME = "Acme Sign-in"
CLIENT_ID = "trellis-test-client"
CLIENT_SECRET = "trellis-test-client-secret"
PASSWORD = "provider password 4321"

LISTED_DOMAIN = "acme.test"
REQUIRED_DOMAIN = "secure.test"
UNLISTED_DOMAIN = "elsewhere.test"


@dataclass(frozen=True)
class Person:
    email: str
    first_name: str
    last_name: str
    verified: bool = True


NEWCOMER = Person(f"jo.newcomer@{LISTED_DOMAIN}", "Jo", "Newcomer")
EXISTING = Person(f"sam.existing@{LISTED_DOMAIN}", "Sam", "Existing")
UNVERIFIED = Person(f"una.unverified@{LISTED_DOMAIN}", "Una", "Unverified", verified=False)
OUTSIDER = Person(f"riley@{UNLISTED_DOMAIN}", "Riley", "Outsider")
REQUIRED = Person(f"ola@{REQUIRED_DOMAIN}", "Ola", "Secure")

# ``make demo-sso``: the seeded demo mentee, whose account single sign-on links.
DEMO_DOMAIN = "harbourline-demo.example"
DEMO = Person(f"mentee@{DEMO_DOMAIN}", "Demo", "Mentee")

PEOPLE = (NEWCOMER, EXISTING, UNVERIFIED, OUTSIDER, REQUIRED, DEMO)
