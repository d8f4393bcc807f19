#!/usr/bin/env python3
"""An example Manta model in Python, standard library only.

Manta's Python bridge (the manta.python plugin) starts this script and speaks
JSON-RPC 2.0 to it, one message per line: requests on stdin, answers on stdout,
anything for the log on stderr. See docs/PYTHON.md for the protocol.

As a strategy it trades a price band: charge when the price is in the bottom
`low` percent of the last `window` prices, discharge in the top `high` percent.
As a forecaster (role "forecaster", paired with the engine's MPC) it forecasts
each coming interval as the mean price at that time of day over recent days.

Run it in a backtest:
    manta backtest --prices ../shared/data/nem/price_and_demand/VIC1 --from 2023-01-01 --to 2023-02-01 \
        --strategy .build/debug/libmanta_python.so --config '{"script": "examples/models/band_model.py"}' \
        --battery power_mw=1,energy_mwh=2
"""
import bisect
import collections
import json
import sys

INTERVAL_MS = 300_000


class BandModel:
    def __init__(self, config):
        self.window = int(config.get("window", 288))
        self.low = float(config.get("low", 20))
        self.high = float(config.get("high", 80))
        self.days = int(config.get("days", 7))
        self.recent = collections.deque(maxlen=self.window)
        self.by_slot = collections.defaultdict(lambda: collections.deque(maxlen=self.days))
        self.last_seen = None

    def observe(self, params):
        """Takes in the prices not seen yet: the history, then the interval's own."""
        end = params["interval_end_ms"]
        history = params.get("history", [])
        for k, price in enumerate(history + [params["price"]]):
            at = end - (len(history) - k) * INTERVAL_MS
            if price is None or (self.last_seen is not None and at <= self.last_seen):
                continue
            self.recent.append(price)
            self.by_slot[self.slot(at)].append(price)
            self.last_seen = at

    @staticmethod
    def slot(end_ms):
        """Time-of-day slot of the interval ending at end_ms (market time, UTC+10)."""
        return ((end_ms - INTERVAL_MS) // INTERVAL_MS + 120) % 288

    def percentile(self, price):
        ordered = sorted(self.recent)
        return 100.0 * bisect.bisect_left(ordered, price) / max(1, len(ordered))

    def decide(self, params):
        self.observe(params)
        rank = self.percentile(params["price"])
        targets = []
        for a in params["assets"]:
            if a["soc"] is None:
                targets.append(None)  # unknown state of charge: hold
            elif rank <= self.low and a["soc"] < a["soc_max"]:
                targets.append(-a["max_charge_w"])
            elif rank >= self.high and a["soc"] > a["soc_min"]:
                targets.append(a["max_discharge_w"])
            else:
                targets.append(0)
        return {"targets_w": targets, "reason": f"price at percentile {rank:.0f}"}

    def forecast(self, params):
        self.observe(params)
        end, out = params["interval_end_ms"], []
        for k in range(1, params["horizon"] + 1):
            past = self.by_slot.get(self.slot(end + k * INTERVAL_MS))
            out.append(sum(past) / len(past) if past else params["price"])
        return {"prices": out}


def main():
    model = None
    for line in sys.stdin:
        message = json.loads(line)
        method, params, ident = message.get("method"), message.get("params", {}), message.get("id")
        if method == "shutdown":
            return
        if method == "initialize":
            model = BandModel(params.get("config", {}))
            result = {"name": "band"}
            print(f"band model ready for {params.get('instance')} as {params.get('role')}", file=sys.stderr)
        elif method in ("decide", "forecast"):
            result = getattr(model, method)(params)
        else:
            reply = {"jsonrpc": "2.0", "id": ident, "error": {"code": -32601, "message": f"no method {method}"}}
            print(json.dumps(reply), flush=True)
            continue
        print(json.dumps({"jsonrpc": "2.0", "id": ident, "result": result}), flush=True)


if __name__ == "__main__":
    main()
