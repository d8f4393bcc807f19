#!/usr/bin/env python3
"""Simulated Modbus TCP devices: real pymodbus servers, one per port, serving
the register images of register_maps.py. A test's peer, not a mock: Manta's
drivers, `manta discover` and pysunspec2's own client all talk to them over
TCP.

    python3 modbus_sim.py SPEC.json [--only NAME|PORT ...] [--commands]

SPEC: {"devices": [{"name": "home-1", "port": 15020, "unit": 1, "type": "sunspec",
                    "models": [[1, {"Mn": "SunSim", ...}], [103, {"W": 4321, "W_SF": 0}]]},
                   {"port": 15021, "unit": 1, "type": "huawei", "values": {"active_power": 3200, ...}},
                   {"port": 15022, "unit": 1, "type": "sungrow", "values": {...}},
                   {"port": 15023, "unit": 247, "type": "goodwe", "values": {...}}]}

--only NAME|PORT (repeatable) serves only those devices, by their "name" or
port, so that each can run in a process of its own and be stopped alone.
Prints "READY <port>" per device and then "READY", then serves until
SIGTERM or SIGINT. It never reads stdin unless asked (a background job that
reads a terminal is stopped by it, and its devices with it): with
--commands it reads commands, one JSON object per line on stdin, answers
each with one JSON line, and stops at the end of stdin:
    {"port": P, "fault": "timeout"}      exception | timeout | truncate | garbage | wrong_unit | disconnect | none
Registers are read and written like any device's, over Modbus TCP.
"""
import argparse
import asyncio
import json
import logging
import signal
import sys
import warnings

from pymodbus.datastore import ModbusDeviceContext, ModbusServerContext, ModbusSparseDataBlock
from pymodbus.server import ModbusTcpServer

import register_maps

warnings.filterwarnings("ignore")
logging.getLogger("pymodbus").setLevel(logging.CRITICAL)


class Device:
    def __init__(self, spec):
        self.port = spec["port"]
        self.unit = spec.get("unit", 1)
        self.fault = spec.get("fault", "none")
        kind = spec["type"]
        if kind == "sunspec":
            image, self.layout = register_maps.sunspec_image([(m, v) for m, v in spec["models"]], spec.get("base", 40000))
        elif kind == "huawei":
            image = register_maps.huawei_image(spec["values"])
        elif kind == "goodwe":
            image = register_maps.goodwe_image(spec["values"], **spec.get("identity", {}))
        elif kind == "sungrow":
            image = register_maps.sungrow_image(**spec.get("values", {}))
        else:
            raise SystemExit(f"device on port {self.port}: unknown type {kind}")
        self.hr = ModbusSparseDataBlock(image["hr"] or {0: 0})
        self.ir = ModbusSparseDataBlock(image["ir"] or {0: 0})
        context = ModbusServerContext(devices={self.unit: ModbusDeviceContext(hr=self.hr, ir=self.ir)}, single=False)
        self.server = ModbusTcpServer(context, address=("127.0.0.1", self.port), trace_packet=self.trace)

    def trace(self, sending, data):
        """Bends outgoing frames to the configured fault."""
        if not sending or self.fault == "none" or len(data) < 8:
            return data
        if self.fault == "exception":
            return data[:4] + b"\x00\x03" + data[6:7] + bytes([data[7] | 0x80, 4])
        if self.fault == "timeout":
            return b""
        if self.fault == "truncate":
            return data[: len(data) // 2]
        if self.fault == "garbage":
            return b"\x13\x37\xbe\xef\x00\x09garbage!!"
        if self.fault == "wrong_unit":
            return data[:6] + bytes([(data[6] + 1) % 256]) + data[7:]
        if self.fault == "disconnect":
            # Drop every connection instead of answering.
            for connection in list(self.server.active_connections.values()):
                connection.transport.close()
            return b""
        return data

    def command(self, c):
        if "fault" in c:
            self.fault = c["fault"]
            return {"ok": True}
        return {"error": f"unknown command {c}"}


def arguments():
    a = argparse.ArgumentParser(description="Simulated Modbus TCP devices (pymodbus servers, one per port).")
    a.add_argument("spec", help="SPEC.json: the devices to serve")
    a.add_argument("--only", action="append", default=[], metavar="NAME|PORT",
                   help="serve only this device, by its name or port (repeat for more)")
    a.add_argument("--commands", action="store_true", help="read fault commands from stdin (JSON lines); stop at its end")
    return a.parse_args()


def chosen(specs, only):
    """The device specs `only` names (all of them when it names none)."""
    if not only:
        return specs
    picked = [d for d in specs if d.get("name") in only or str(d["port"]) in only]
    known = {d.get("name") for d in specs} | {str(d["port"]) for d in specs}
    unknown = [o for o in only if o not in known]
    if unknown:
        names = ", ".join(f'{d.get("name", "-")} (port {d["port"]})' for d in specs)
        raise SystemExit(f"modbus_sim.py: --only {', '.join(unknown)}: no such device; the spec has {names}")
    return picked


async def commands(devices):
    """Answers fault commands from stdin until it ends."""
    reader = asyncio.StreamReader()
    await asyncio.get_running_loop().connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := await reader.readline():
        try:
            c = json.loads(line)
            answer = devices[c["port"]].command(c)
        except Exception as e:  # noqa: BLE001 - the test reads the reason
            answer = {"error": str(e)}
        print(json.dumps(answer), flush=True)


async def main():
    args = arguments()
    spec = json.load(open(args.spec))
    devices = {d["port"]: Device(d) for d in chosen(spec["devices"], args.only)}
    tasks = [asyncio.create_task(d.server.serve_forever()) for d in devices.values()]
    for port in devices:
        for _ in range(100):
            try:
                _, w = await asyncio.open_connection("127.0.0.1", port)
                w.close()
                break
            except OSError:
                await asyncio.sleep(0.05)
        print(f"READY {port}", flush=True)
    print("READY", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signo in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signo, stop.set)
    waits = [asyncio.create_task(stop.wait())]
    if args.commands:
        waits.append(asyncio.create_task(commands(devices)))
    await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    for w in waits:
        w.cancel()
    for d in devices.values():
        await d.server.shutdown()
    for t in tasks:
        t.cancel()


if __name__ == "__main__":
    asyncio.run(main())
