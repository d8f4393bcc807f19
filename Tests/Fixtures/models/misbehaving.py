#!/usr/bin/env python3
"""A model that misbehaves on purpose, for the bridge's tests.

model_config.mode picks how:
  garbage     answers decide with a line that is not JSON
  wrong_count answers with one target too many
  not_number  answers with a string for a target
  error       answers with a JSON-RPC error
  slow        sleeps `sleep_s` before every answer after the `after`th
  hang        stops answering (for good) after the `after`th decide
  crash       exits with status 3 on the `after`th decide
  no_start    exits before answering initialize
  short       (forecaster) answers half the horizon asked for
Otherwise (and before `after`) it holds every battery at 0 W.
"""
import json
import sys
import time


def reply(ident, result=None, error=None):
    message = {"jsonrpc": "2.0", "id": ident}
    message["error" if error else "result"] = error or result
    print(json.dumps(message), flush=True)


def main():
    config, calls = {}, 0
    for line in sys.stdin:
        message = json.loads(line)
        method, params, ident = message.get("method"), message.get("params", {}), message.get("id")
        if method == "shutdown":
            return
        if method == "initialize":
            config = params.get("config", {})
            if config.get("mode") == "no_start":
                print("cannot find my weights file", file=sys.stderr, flush=True)
                sys.exit(2)
            reply(ident, {"name": "misbehaving-" + config.get("mode", "none")})
            continue
        calls += 1
        mode = config.get("mode") if calls > config.get("after", 0) else None
        n = len(params.get("assets", []))
        if mode == "garbage":
            print("sure, let me think about that", flush=True)
        elif mode == "wrong_count":
            reply(ident, {"targets_w": [0] * (n + 1)})
        elif mode == "not_number":
            reply(ident, {"targets_w": ["lots"] * n})
        elif mode == "error":
            reply(ident, error={"code": -32000, "message": "model weights not loaded"})
        elif mode == "hang":
            time.sleep(3600)
        elif mode == "crash":
            print("segfault in my numpy, probably", file=sys.stderr, flush=True)
            sys.exit(3)
        elif method == "forecast":
            if mode == "slow":
                time.sleep(config.get("sleep_s", 1))
            horizon = params["horizon"] // (2 if mode == "short" else 1)
            reply(ident, {"prices": [params["price"]] * horizon})
        else:
            if mode == "slow":
                time.sleep(config.get("sleep_s", 1))
            reply(ident, {"targets_w": [0] * n, "reason": "holding"})


if __name__ == "__main__":
    main()
