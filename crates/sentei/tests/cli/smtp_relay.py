"""A real SMTP server for the mail tests of `sentei notify`: aiosmtpd (Debian's
python3-aiosmtpd), speaking the protocol the way a municipality's relay does.

Each message accepted is written to --dir as one JSON file (envelope, decoded subject and
body, Message-ID), atomically. --stall rcpt never answers a RCPT TO; --stall data writes the
message and then never answers the end of DATA (a relay that queued the message but whose
answer was lost); --stall-at N does so at the Nth message, answering the ones before. Either
writes a file named `stalled` first, so a test knows where the sender is waiting before it
kills it. --starttls CERT KEY offers STARTTLS and requires it;
--auth USER:PASSWORD requires signing in. The chosen port is written to --port-file.
"""

import argparse
import asyncio
import email
import email.policy
import json
import os
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult


class Handler:
    def __init__(self, directory, stall, stall_at, reject):
        self.directory = directory
        self.stall = stall
        self.stall_at = stall_at
        self.reject = reject
        self.count = 0

    def mark_stalled(self):
        with open(os.path.join(self.directory, "stalled"), "w") as f:
            f.write("stalled\n")

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.stall == "rcpt":
            self.mark_stalled()
            await asyncio.Event().wait()
        if address in self.reject:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "from": str(message["from"]),
            "to": str(message["to"]),
            "subject": str(message["subject"]),
            "message_id": str(message["message-id"]),
            "body": message.get_content(),
            "encrypted": session.ssl is not None,
            "signed_in": session.authenticated,
        }
        self.count += 1
        name = os.path.join(self.directory, f"{os.getpid()}-{self.count:04d}.json")
        with open(name + ".tmp", "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)
        os.replace(name + ".tmp", name)
        if self.stall == "data" and self.count >= self.stall_at:
            self.mark_stalled()
            await asyncio.Event().wait()
        return "250 Message accepted for delivery"


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--stall", choices=["none", "rcpt", "data"], default="none")
    parser.add_argument("--stall-at", type=int, default=1)
    parser.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--auth")
    parser.add_argument("--reject", action="append", default=[])
    args = parser.parse_args()
    handler = Handler(args.dir, args.stall, args.stall_at, set(args.reject))
    options = {}
    if args.starttls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*args.starttls)
        options.update(tls_context=context, require_starttls=True)
    if args.auth:
        user, password = args.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = auth_data.login.decode() == user and auth_data.password.decode() == password
            # handled=False: aiosmtpd answers 535 itself when the credentials are wrong.
            return AuthResult(success=ok, handled=False)

        options.update(authenticator=authenticator, auth_required=True)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="relay.test", **options), "127.0.0.1", 0
    )
    port = server.sockets[0].getsockname()[1]
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(port))
    os.replace(args.port_file + ".tmp", args.port_file)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
