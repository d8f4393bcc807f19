"""Register images of simulated devices, laid out from sources independent
of Manta's own tables:

- SunSpec devices from pysunspec2's copy of the SunSpec model definitions
  (point order, sizes and types) and its encoders;
- Huawei SUN2000 from the huawei-solar package's register table;
- GoodWe ET from the goodwe package's sensor table;
- Sungrow SH-RT from the register facts of Sungrow's hybrid protocol,
  written out here by hand (no package tabulates them).

Each builder takes physical values (W, V, %, kWh as the vendor documents
them) and returns {"hr": {address: word}, "ir": {address: word}}.
"""
import struct

import sunspec2.device as ssdev
import sunspec2.mb as ssmb

SUNSPEC_BASE = 40000


def _words(data: bytes):
    return [int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2)]


# ---------------------------------------------------------------- SunSpec

def _encode_point(pdef, value):
    """Registers of one SunSpec point holding `value` (raw, already scaled)."""
    ptype, size = pdef["type"], pdef["size"]
    if value is None:
        data = ssmb.create_unimpl_value(ptype, len=size * 2)
    elif ptype == "string":
        data = ssmb.str_to_data(value, size * 2)
    else:
        data = ssmb.point_type_info[ptype].to_data(value, size * 2)
    return _words(data)


def _group_words(gdef, values, model_id):
    out = []
    for pdef in gdef["points"]:
        name = pdef["name"]
        if name == "ID":
            out += [model_id]
        elif name == "L":
            out += [0]  # patched once the length is known
        elif pdef["type"] == "pad":
            out += [0] * pdef["size"]
        else:
            out += _encode_point(pdef, values.get(name))
    for sub in gdef.get("groups", []):
        count = sub.get("count", 1)
        if isinstance(count, str):
            count = values.get(count, 0)
        for _ in range(count):
            out += _group_words(sub, {}, model_id)
    return out


def sunspec_raw(pdef, physical, sf):
    """The register value of a point with scale factor exponent `sf`."""
    if physical is None:
        return None
    if pdef["type"] in ("float32", "float64", "string"):
        return physical
    return int(round(physical / (10 ** sf)))


def sunspec_image(models, base=SUNSPEC_BASE):
    """`models`: [(model id, {point: physical value, "<name>_SF": exponent})].
    Scale factors not given are 0; values not given are "not implemented"."""
    words = [0x5375, 0x6E53]
    layout = {}
    for model_id, given in models:
        mdef = ssdev.get_model_def(model_id)
        group = mdef["group"]
        raw = {}
        sfs = {p["name"]: given.get(p["name"], 0) for p in group["points"] if p["type"] == "sunssf"}
        for p in group["points"]:
            name = p["name"]
            if p["type"] == "sunssf":
                raw[name] = sfs[name]
            elif name in given:
                sf = p.get("sf")
                exponent = sfs.get(sf, 0) if isinstance(sf, str) else (sf or 0)
                raw[name] = sunspec_raw(p, given[name], exponent)
        body = _group_words(group, raw, model_id)
        body[1] = len(body) - 2
        layout[model_id] = base + len(words)
        words += body
    words += [0xFFFF, 0]
    return {"hr": {base + i: w for i, w in enumerate(words)}, "ir": {}}, layout


# ---------------------------------------------------------------- Huawei

def huawei_image(values):
    """`values`: {huawei-solar register name: value in its documented unit}."""
    from huawei_solar.registers import REGISTERS
    hr = {}
    for name, value in values.items():
        reg = REGISTERS[name]
        if type(reg).__name__ == "StringRegister":
            data = value.encode().ljust(reg.length * 2, b"\0")
        else:
            raw = int(round(value * reg.gain))
            fmt = {"U16Register": ">H", "I16Register": ">h", "U32Register": ">I", "I32Register": ">i"}[type(reg).__name__]
            data = struct.pack(fmt, raw)
        for i, w in enumerate(_words(data)):
            hr[reg.register + i] = w
    # The control registers, at their defaults (writable, read back).
    for address in [47083, 47100, 47246, 47247, 47248, 47249, 47250, 47415, 47416, 47417]:
        hr.setdefault(address, 0)
    return {"hr": hr, "ir": {}}


# ---------------------------------------------------------------- GoodWe

def goodwe_image(values, serial="ETSIM0000000001", model="GW10K-ET", rated_w=10000):
    """`values`: {goodwe ET sensor id: value in the sensor's unit}."""
    from goodwe.et import ET
    sensors = {s.id_: s for s in ET._ET__all_sensors + ET._ET__all_sensors_battery}
    scale = {"Voltage": 10, "Current": 10, "Frequency": 100, "Temp": 10, "Energy4": 10, "Integer": 1,
             "PowerS": 1, "Power4": 1, "Power4S": 1}
    pack = {"Voltage": ">H", "Current": ">H", "Frequency": ">h", "Temp": ">h", "Energy4": ">I", "Integer": ">H",
            "PowerS": ">h", "Power4": ">I", "Power4S": ">i"}
    hr = {}
    for sid, value in values.items():
        s = sensors[sid]
        kind = type(s).__name__
        data = struct.pack(pack[kind], int(round(value * scale[kind])))
        for i, w in enumerate(_words(data)):
            hr[s.offset + i] = w
    info = struct.pack(">HHH", 0, rated_w, 1) + serial.encode().ljust(16, b"\0") + model.encode().ljust(10, b"\0")
    for i, w in enumerate(_words(info)):
        hr[35000 + i] = w
    hr.update({47509: 0, 47510: 0, 47511: 1, 47512: 0})  # export limit off, EMS auto
    return {"hr": hr, "ir": {}}


# ---------------------------------------------------------------- Sungrow

def sungrow_image(device_type=0x0E03, serial="A2350000001", nominal_kw=10.0, temp_c=35.0, dc_w=4200, voltage=232.0,
                  charging=True, battery_v=420.0, battery_w=2500, soc_pct=57.3, soh_pct=99.0, battery_temp_c=24.5,
                  active_w=1700, import_kwh=1234.5, export_kwh=2345.6):
    """Input registers per Sungrow's hybrid protocol (register number - 1);
    32-bit values low word first; battery power a magnitude with the
    direction in running-state bits (0x02 charging, 0x04 discharging)."""
    ir = {}

    def put(addr, fmt, value):
        data = struct.pack(fmt, value)
        words = _words(data)
        if len(words) == 2:
            words.reverse()
        for i, w in enumerate(words):
            ir[addr + i] = w

    for i, w in enumerate(_words(serial.encode().ljust(20, b"\0"))):
        ir[4989 + i] = w
    put(4999, ">H", device_type)
    put(5000, ">H", int(round(nominal_kw * 10)))
    put(5007, ">h", int(round(temp_c * 10)))
    put(5016, ">I", dc_w)
    put(5018, ">H", int(round(voltage * 10)))
    put(13000, ">H", 0x02 if charging else 0x04)
    put(13019, ">H", int(round(battery_v * 10)))
    put(13021, ">H", battery_w)
    put(13022, ">H", int(round(soc_pct * 10)))
    put(13023, ">H", int(round(soh_pct * 10)))
    put(13024, ">h", int(round(battery_temp_c * 10)))
    put(13033, ">i", active_w)
    put(13036, ">I", int(round(import_kwh * 10)))
    put(13045, ">I", int(round(export_kwh * 10)))
    hr = {13049: 0, 13050: 0xCC, 13051: 0, 13073: 0, 13086: 0x55}
    return {"hr": hr, "ir": ir}
