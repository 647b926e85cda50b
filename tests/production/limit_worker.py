"""A second "worker" for test_shared_limits: its own process (so its own memory), the same
settings. Reads one address per stdin line, posts one wrong receipt code from it, prints the status."""
from __future__ import annotations

import json
import re
import sys

from tipline import create_app


def main() -> None:
    settings = json.loads(sys.argv[1])
    app = create_app(settings)
    client = app.test_client()
    print("ready", flush=True)
    for line in sys.stdin:
        client.environ_base["REMOTE_ADDR"] = line.strip()
        page = client.get("/status").get_data(as_text=True)
        match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        assert match, page
        token = match.group(1)
        resp = client.post("/status", data={"csrf_token": token, "receipt": "9999 8888 7777 6666"})
        print(resp.status_code, flush=True)


if __name__ == "__main__":
    main()
