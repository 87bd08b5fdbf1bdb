"""Run the dev server: `greenscreen serve [--host 127.0.0.1] [--port 5000]` (or `python -m web`).

It binds the loopback interface by default, so only this machine can open the page. Pages that use
the webcam need a secure context: http://127.0.0.1 and http://localhost count as one, a LAN address
does not.
"""

from __future__ import annotations

import argparse
import ipaddress
import sys

from greenscreen.cli_common import whole_number

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5000


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="greenscreen serve",
        description="Serve the greenscreen page (files only: segmentation runs in your browser).",
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"interface to bind (default {DEFAULT_HOST}: this machine only)")
    parser.add_argument("--port", type=whole_number(0, 65535, what="port"), default=DEFAULT_PORT, help=f"TCP port, 0 picks a free one (default {DEFAULT_PORT})")
    return parser


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve_main(argv: list[str] | None = None) -> int:
    """Parse `argv`, start the server and block until Ctrl+C; returns the process exit code."""
    from werkzeug.serving import make_server

    from web import create_app

    args = build_parser().parse_args(argv)
    try:
        server = make_server(args.host, args.port, create_app(), threaded=True)
    except SystemExit:  # werkzeug has already printed why (port taken, unknown host) and exits
        print(f"error: cannot listen on {args.host}:{args.port}: if another program uses the port, pick another "
              f"(make serve PORT={args.port + 1 if args.port else 5001}, or greenscreen serve --port N)",
              file=sys.stderr)
        return 1
    except OSError as error:  # e.g. a host name that does not resolve
        print(f"error: cannot listen on {args.host}:{args.port}: {error.strerror or error}", file=sys.stderr)
        return 1
    shown_host = f"[{args.host}]" if ":" in args.host else args.host
    print(f"greenscreen: serving on http://{shown_host}:{server.port}/  (Ctrl+C stops)", flush=True)
    if not is_loopback(args.host):
        print(
            f"warning: --host {args.host} makes the server reachable from the network; "
            "use 127.0.0.1 unless you mean it (the webcam also needs localhost or HTTPS).",
            file=sys.stderr,
            flush=True,
        )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
