#!/usr/bin/env python3
"""A test model that holds every asset and reports, as its reason, what it was
shown of the first asset's site (ABI 1.5's site fields, as the Python bridge
passes them), so a test can read it back from dispatch.history."""
import json
import sys


def main():
    for line in sys.stdin:
        message = json.loads(line)
        method, params, ident = message.get("method"), message.get("params", {}), message.get("id")
        if method == "shutdown":
            return
        if method == "initialize":
            result = {"name": "site-echo"}
        elif method == "decide":
            site = params["assets"][0].get("site") if params["assets"] else None
            if site:  # whole watts: the reason holds 127 bytes
                site = {k: round(v) if isinstance(v, float) else v for k, v in site.items()}
            result = {"targets_w": [None] * len(params["assets"]), "reason": json.dumps(site, separators=(",", ":"))}
        else:
            print(json.dumps({"jsonrpc": "2.0", "id": ident, "error": {"code": -32601, "message": method}}), flush=True)
            continue
        print(json.dumps({"jsonrpc": "2.0", "id": ident, "result": result}), flush=True)


if __name__ == "__main__":
    main()
