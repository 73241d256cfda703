"""Email backends for tests: a mail server that cannot be reached."""

# The dotted path to give EMAIL_BACKEND.
SERVER_DOWN = "tests.mail.ServerDown"


class ServerDown:
    """An email backend whose server refuses every connection."""

    def __init__(self, *args, **kwargs):
        pass

    def open(self):
        raise ConnectionRefusedError("Connection refused")

    def close(self):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("Connection refused")
