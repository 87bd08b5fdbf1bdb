"""`python -m web [--host 127.0.0.1] [--port 5000]`: the same as `greenscreen serve`."""

import sys

from web import serve_main

sys.exit(serve_main(sys.argv[1:]))
