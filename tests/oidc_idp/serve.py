"""Start the test OpenID Connect provider: ``python -m tests.oidc_idp.serve REDIRECT_URI...``.

Makes a fresh database and signing key in a temporary folder, registers
Trellis as a client allowed to return to each REDIRECT_URI, adds the people
in ``people.py``, then serves on 127.0.0.1 (``--port``, or a free one) and
prints ``ready http://127.0.0.1:<port>`` once it answers. It stops on SIGTERM
or Ctrl-C and leaves nothing behind.
"""

from __future__ import annotations

import argparse
import os
import signal
import socketserver
import sys
import tempfile
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


class ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        if os.environ.get("OIDC_IDP_VERBOSE"):
            super().log_message(format, *args)


def signing_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def populate(redirect_uris: list[str]) -> None:
    from allauth.account.models import EmailAddress
    from allauth.idp.oidc.models import Client
    from django.contrib.auth import get_user_model

    from . import people

    client = Client(
        id=people.CLIENT_ID,
        name="Trellis",
        type=Client.Type.CONFIDENTIAL,
        skip_consent=True,
    )
    client.set_secret(people.CLIENT_SECRET)
    client.set_scopes(["openid", "profile", "email"])
    client.set_redirect_uris(redirect_uris)
    client.save()
    for person in people.PEOPLE:
        user = get_user_model().objects.create_user(
            username=person.email,
            email=person.email,
            password=people.PASSWORD,
            first_name=person.first_name,
            last_name=person.last_name,
        )
        EmailAddress.objects.create(
            user=user, email=person.email, verified=person.verified, primary=True
        )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("redirect_uris", nargs="+")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="oidc-idp-") as data_dir:
        os.environ["OIDC_IDP_DATA_DIR"] = data_dir
        os.environ["OIDC_IDP_PRIVATE_KEY"] = signing_key()
        os.environ["DJANGO_SETTINGS_MODULE"] = "tests.oidc_idp.settings"
        import django
        from django.core.management import call_command
        from django.core.wsgi import get_wsgi_application

        django.setup()
        call_command("migrate", verbosity=0, interactive=False)
        populate(args.redirect_uris)

        server = make_server(
            "127.0.0.1",
            args.port,
            get_wsgi_application(),
            server_class=ThreadingWSGIServer,
            handler_class=QuietHandler,
        )
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        print(f"ready http://127.0.0.1:{server.server_port}", flush=True)
        try:
            server.serve_forever()
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            server.server_close()


if __name__ == "__main__":
    main()
