"""Device access over real Modbus TCP: the manta.sunspec and manta.modbus
drivers in a running mantad against pymodbus device simulators, checked
point by point against pysunspec2's and huawei-solar's own clients reading
the same simulators; writes landing in the simulators' registers; faults;
and discovery, from the CLI and the API."""
import asyncio
import json
import math
import subprocess
import time

import pytest

from conftest import BUILD, ROOT, Mantad, ModbusSim, base_config, free_ports

MANTA = str(BUILD / "manta")
TEMPLATES = str(ROOT / "registry" / "devices")

COMMON = {"Mn": "SunSim", "Md": "Hybrid 5", "SN": "SS-0001", "Vr": "1.2.3"}
INT_SF = [  # a three-phase hybrid, integers with scale factors, and a grid meter
    [1, COMMON],
    [103, {"A": 18.7, "A_SF": -1, "PhVphA": 231.5, "V_SF": -1, "W": 4320, "W_SF": 1, "Hz": 50.02, "Hz_SF": -2,
           "VA": 4400, "VA_SF": 0, "VAr": -120, "VAr_SF": 0, "PF": 98.2, "PF_SF": -1, "WH": 1234567, "WH_SF": 0,
           "DCA": 11.2, "DCA_SF": -1, "DCV": 402.5, "DCV_SF": -1, "DCW": 4500, "DCW_SF": 0, "TmpCab": 41.5,
           "TmpSnk": 48.0, "Tmp_SF": -1, "St": 4}],
    [120, {"WRtg": 5000, "WRtg_SF": 0, "WHRtg": 10000, "WHRtg_SF": 0, "MaxChaRte": 5000, "MaxChaRte_SF": 0,
           "MaxDisChaRte": 5000, "MaxDisChaRte_SF": 0}],
    [123, {"WMaxLimPct": 100, "WMaxLimPct_SF": 0, "WMaxLim_Ena": 0}],
    [124, {"WChaMax": 5000, "WChaMax_SF": 0, "ChaState": 57.5, "ChaState_SF": -1, "InBatV": 402.1, "InBatV_SF": -1,
           "InOutWRte_SF": 0, "StorCtl_Mod": 0, "ChaSt": 4}],
    [203, {"A": 6.5, "A_SF": -1, "PhVphA": 230.9, "V_SF": -1, "Hz": 50.01, "Hz_SF": -2, "W": 1500, "W_SF": 0,
           "VA": 1550, "VA_SF": 0, "VAR": 80, "VAR_SF": 0, "PF": 96.8, "PF_SF": -1, "TotWhExp": 100000,
           "TotWhImp": 250000, "TotWh_SF": 0}],
]
FLOAT = [  # Fronius-style: floats (113)
    [1, {"Mn": "Fronius", "Md": "Symo 5.0-3-M", "SN": "31234567", "Vr": "3.16.7-1"}],
    [113, {"A": 7.31, "PhVphA": 229.8, "W": 2512.5, "Hz": 49.98, "VA": 2530.0, "VAr": 40.0, "PF": 99.3, "WH": 8123456.0,
           "DCA": 6.6, "DCV": 410.0, "DCW": 2600.0, "TmpCab": 38.25, "St": 4}],
    [120, {"WRtg": 5000, "WRtg_SF": 0}],
    [123, {"WMaxLimPct": 100, "WMaxLimPct_SF": 0, "WMaxLim_Ena": 0}],
]
DER = [  # the DER information model: 701/702/704/713/714 and battery 802
    [1, {"Mn": "DERSim", "Md": "DER 10", "SN": "D-42", "Vr": "2"}],
    [701, {"W": 3150, "W_SF": 0, "VA": 3200, "VA_SF": 0, "Var": 50, "Var_SF": 0, "PF": 0.98, "PF_SF": -2, "A": 13.6,
           "A_SF": -1, "Hz": 50.013, "Hz_SF": -3, "VL1": 231.2, "V_SF": -1, "TotWhInj": 9876543, "TotWhAbs": 123456,
           "TotWh_SF": 0, "TmpCab": 36.5, "TmpSnk": 44.0, "Tmp_SF": -1, "InvSt": 3, "St": 1}],
    [702, {"WMaxRtg": 10000, "WChaRteMaxRtg": 5000, "WDisChaRteMaxRtg": 5000, "WMax": 10000, "W_SF": 0}],
    [704, {"WMaxLimPctEna": 0, "WMaxLimPct": 100, "WMaxLimPct_SF": 0, "WSetEna": 0, "WSetMod": 1, "WSet": 0, "WSet_SF": 0}],
    [713, {"WHRtg": 13500, "WH_SF": 0, "SoC": 61.5, "SoH": 98.0, "Pct_SF": -1}],
    [714, {"NPrt": 0, "DCA": -8.4, "DCA_SF": -1, "DCW": -3400, "DCW_SF": 0, "DCWhInj": 4321000, "DCWhAbs": 4567000,
           "DCWH_SF": 0}],
    [802, {"WHRtg": 13500, "WHRtg_SF": 0, "WChaRteMax": 5000, "WDisChaRteMax": 5000, "WChaDisChaMax_SF": 0,
           "SoC": 61.5, "SoCMax": 95, "SoCMin": 10, "SoC_SF": -1, "SoH": 98, "SoH_SF": 0, "NCyc": 321, "ChaSt": 3,
           "V": 402.5, "V_SF": -1, "A": -8.4, "A_SF": -1, "W": -3400, "W_SF": 0}],
]
HUAWEI = {"model_name": "SUN2000-5KTL-M1", "serial_number": "HV2106012345", "rated_power": 5000, "input_power": 3900,
          "phase_A_voltage": 231.4, "active_power": 3200, "reactive_power": -40, "grid_frequency": 50.01,
          "internal_temperature": 42.3, "accumulated_yield_energy": 8123.45, "storage_rated_capacity": 10000,
          "storage_maximum_charge_power": 5000, "storage_maximum_discharge_power": 5000,
          "storage_state_of_capacity": 57.3, "storage_bus_voltage": 460.5, "storage_charge_discharge_power": 1500,
          "storage_total_charge": 1234.56, "storage_total_discharge": 1100.25}


@pytest.fixture(scope="module")
def sim():
    # Fixed ports: `manta discover 127.0.0.1 --ports 15020-15030` is the documented example.
    ports = list(range(15020, 15026))
    devices = [
        {"port": ports[0], "unit": 1, "type": "sunspec", "models": INT_SF},
        {"port": ports[1], "unit": 1, "type": "sunspec", "models": FLOAT},
        {"port": ports[2], "unit": 1, "type": "sunspec", "models": DER},
        {"port": ports[3], "unit": 1, "type": "huawei", "values": HUAWEI},
        {"port": ports[4], "unit": 1, "type": "sungrow", "values": {}},
        {"port": ports[5], "unit": 247, "type": "goodwe",
         "values": {"vgrid": 231.4, "fgrid": 50.02, "total_inverter_power": 2800, "temperature_air": 39.5,
                    "temperature": 45.0, "vbattery1": 410.2, "pbattery1": -2100, "e_total": 5432.1,
                    "e_total_exp": 3210.9, "e_total_imp": 876.5, "e_bat_charge_total": 1500.3,
                    "e_bat_discharge_total": 1400.7, "battery_temperature": 24.5, "battery_soc": 64, "battery_soh": 97}},
    ]
    s = ModbusSim(devices)
    s.ports = ports
    yield s
    s.stop()


def drivers(ports, read_only=False):
    return [
        {"instance": "ss", "plugin": "manta.sunspec", "config": {"poll_interval_ms": 300, "timeout_ms": 400, "devices": [
            {"key": "int.inverter", "host": "127.0.0.1", "port": ports[0], "kind": "hybrid_inverter"},
            {"key": "int.meter", "site": "int", "host": "127.0.0.1", "port": ports[0], "kind": "meter", "meter": 0},
            {"key": "float.inverter", "host": "127.0.0.1", "port": ports[1], "kind": "pv_inverter", "read_only": read_only},
            {"key": "der.inverter", "host": "127.0.0.1", "port": ports[2], "kind": "hybrid_inverter"}]}},
        {"instance": "mb", "plugin": "manta.modbus", "config": {"poll_interval_ms": 300, "timeout_ms": 400, "templates": TEMPLATES,
                                                                "devices": [
            {"key": "hw.inverter", "host": "127.0.0.1", "port": ports[3], "template": "huawei-sun2000"},
            {"key": "sg.inverter", "host": "127.0.0.1", "port": ports[4], "template": "sungrow-sh-rt", "capacity_wh": 9600},
            {"key": "gw.inverter", "host": "127.0.0.1", "port": ports[5], "template": "goodwe-et"}]}},
    ]


def host_for(sim, **kw):
    config = base_config(clock={"mode": "realtime"}, plugins=drivers(sim.ports, **kw), vpps=[],
                         telemetry={"stale_after_ms": 5000, "offline_after_ms": 20000})
    return Mantad(config).start()


@pytest.fixture(scope="module")
def host(sim):
    h = host_for(sim)
    assert h.wait_for(lambda: len(latest(h)) >= 7, timeout=20), h.log_path.read_text()
    yield h
    h.stop()


def latest(h):
    """{device id: {point: value}} from telemetry.latest."""
    out = {}
    for s in h.call("telemetry.latest", {"limit": 1000}):
        out.setdefault(s["device"], {})[s["point"]] = s["value"]
    return out


def close(a, b):
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-6)


def pysunspec2_models(port):
    import sunspec2.modbus.client as client
    d = client.SunSpecModbusClientDeviceTCP(slave_id=1, ipaddr="127.0.0.1", ipport=port)
    d.scan()
    models = {}
    for key, group in d.models.items():
        if isinstance(key, int):
            group[0].read()
            models[key] = group[0]
    d.close()
    return models


def value(models, source):
    """A SunSpec point as pysunspec2 reads it (scale factor applied), or None."""
    model_id, name = source.split(".")
    m = models.get(int(model_id))
    if m is None or name not in m.points:
        return None
    return m.points[name].cvalue


def expected_from_sunspec(models, meter=False):
    """What the catalog says each point is, computed from pysunspec2's values
    with the documented conversions: percentages become fractions, meters
    count import as positive (so AC flows change sign), InvSt counts from 0."""
    catalog = json.load(open(ROOT / "registry" / "catalog" / "points.json"))["points"]
    out = {}
    for p in catalog:
        for source in p.get("sunspec", []):
            model_id = int(source.split(".")[0])
            if meter != (201 <= model_id <= 204):
                continue
            v = value(models, source)
            if v is None:
                continue
            units = models[model_id].points[source.split(".")[1]].pdef.get("units") or ""
            if units in ("Pct",) or units.strip().startswith("%"):
                v = v / 100
            if source == "701.InvSt":
                v += 1
            if meter and p["name"] in ("ac.w", "ac.var", "ac.a"):
                v = -v
            out[p["name"]] = v
            break
    return out


@pytest.mark.parametrize("device, index, meter", [("ss/int.inverter", 0, False), ("ss/int.meter", 0, True),
                                                  ("ss/float.inverter", 1, False), ("ss/der.inverter", 2, False)])
def test_every_point_equals_what_pysunspec2_reads(sim, host, device, index, meter):
    ours = latest(host)[device]
    theirs = expected_from_sunspec(pysunspec2_models(sim.ports[index]), meter=meter)
    shared = set(theirs) & set(ours)
    assert len(shared) >= 4, (ours, theirs)
    for point in sorted(theirs):
        assert point in ours, f"{device}: {point} = {theirs[point]} per pysunspec2, not published"
        assert close(ours[point], theirs[point]), f"{device} {point}: Manta {ours[point]}, pysunspec2 {theirs[point]}"


def test_identity_and_ratings_come_from_the_device(host):
    devices = {d["id"]: d for d in host.call("devices.list")}
    d = devices["ss/der.inverter"]
    assert (d["manufacturer"], d["model"], d["serial"]) == ("DERSim", "DER 10", "D-42")
    assert d["ratings"]["capacity_wh"] == 13500 and d["ratings"]["max_charge_w"] == 5000
    assert d["ratings"]["soc_min"] == 0.1 and d["ratings"]["soc_max"] == 0.95
    assert devices["ss/int.inverter"]["ratings"]["rated_power_w"] == 5000
    assert devices["mb/hw.inverter"]["serial"] == "HV2106012345"
    assert devices["mb/sg.inverter"]["model"] == "SH10RT" and devices["mb/sg.inverter"]["ratings"]["capacity_wh"] == 9600
    assert devices["mb/gw.inverter"]["model"] == "GW10K-ET"
    assert devices["ss/int.meter"]["controllable"] is False
    assert host.wait_for(lambda: all(d["status"] == "online" for d in host.call("devices.list"))), host.call("devices.list")


def test_huawei_points_equal_what_huawei_solar_reads(sim, host):
    from huawei_solar import AsyncHuaweiSolar

    names = ["input_power", "phase_A_voltage", "active_power", "reactive_power", "grid_frequency", "internal_temperature",
             "accumulated_yield_energy", "storage_state_of_capacity", "storage_bus_voltage",
             "storage_charge_discharge_power", "storage_total_charge", "storage_total_discharge"]

    async def read():
        client = await AsyncHuaweiSolar.create("127.0.0.1", sim.ports[3], 1, cooldown_time=0)
        try:
            return {n: (await client.get(n)).value for n in names}
        finally:
            await client.stop()

    theirs = asyncio.run(read())
    ours = latest(host)["mb/hw.inverter"]
    # The catalog's units and signs: W, V, Hz, C; Wh (kWh x 1000); SOC as a
    # fraction; battery power + = discharge (Huawei counts charging as +).
    pairs = [("pv.w", theirs["input_power"]), ("ac.v", theirs["phase_A_voltage"]), ("ac.w", theirs["active_power"]),
             ("ac.var", theirs["reactive_power"]), ("ac.hz", theirs["grid_frequency"]),
             ("temp.cabinet", theirs["internal_temperature"]), ("energy.export_wh", theirs["accumulated_yield_energy"] * 1000),
             ("battery.soc", theirs["storage_state_of_capacity"] / 100), ("battery.v", theirs["storage_bus_voltage"]),
             ("battery.w", -theirs["storage_charge_discharge_power"]),
             ("energy.charge_wh", theirs["storage_total_charge"] * 1000),
             ("energy.discharge_wh", theirs["storage_total_discharge"] * 1000)]
    for point, expected in pairs:
        assert close(ours[point], expected), f"{point}: Manta {ours[point]}, huawei-solar {expected}"


def test_sungrow_and_goodwe_points_equal_the_documented_values(host):
    sg, gw = latest(host)["mb/sg.inverter"], latest(host)["mb/gw.inverter"]
    # register_maps.sungrow_image defaults, in catalog units.
    for point, v in {"pv.w": 4200, "ac.v": 232.0, "battery.v": 420.0, "battery.w": -2500, "battery.soc": 0.573,
                     "battery.soh": 0.99, "temp.battery": 24.5, "ac.w": 1700, "energy.import_wh": 1234500,
                     "energy.export_wh": 2345600, "temp.cabinet": 35.0}.items():
        assert close(sg[point], v), (point, sg[point], v)
    for point, v in {"ac.v": 231.4, "ac.hz": 50.02, "ac.w": 2800, "temp.cabinet": 39.5, "temp.heatsink": 45.0,
                     "battery.v": 410.2, "battery.w": -2100, "energy.pv_wh": 5432100, "energy.export_wh": 3210900,
                     "energy.import_wh": 876500, "energy.charge_wh": 1500300, "energy.discharge_wh": 1400700,
                     "temp.battery": 24.5, "battery.soc": 0.64, "battery.soh": 0.97}.items():
        assert close(gw[point], v), (point, gw[point], v)


def control(h, device, **kw):
    return h.call("devices.control", {"device": device, **kw})


def test_writes_land_in_the_simulators_registers(sim, host):
    # SunSpec 124: charge 2.5 kW = InWRte 50 %, OutWRte -50 %, StorCtl_Mod 3.
    r = control(host, "ss/int.inverter", active_power_w=-2500, duration_s=120)
    assert (r["outcome"], r["applied_w"]) == ("applied", -2500)
    models = pysunspec2_models(sim.ports[0])
    storage = models[124].points
    assert storage["InWRte"].cvalue == 50 and storage["OutWRte"].cvalue == -50 and storage["StorCtl_Mod"].value == 3
    assert storage["InOutWRte_RvrtTms"].value == 120
    # SunSpec 704: WSet in W.
    r = control(host, "ss/der.inverter", active_power_w=1800, duration_s=60)
    assert (r["outcome"], r["applied_w"]) == ("applied", 1800)
    der = pysunspec2_models(sim.ports[2])[704].points
    assert der["WSet"].cvalue == 1800 and der["WSetEna"].value == 1 and der["WSetRvrtTms"].value == 60
    # An export limit through 704: 30 % of WMax 10 kW.
    r = control(host, "ss/der.inverter", export_limit_w=3000)
    assert r["outcome"] == "applied" and der["WMaxLimPct"].cvalue == 100  # (the old read)
    assert pysunspec2_models(sim.ports[2])[704].points["WMaxLimPct"].cvalue == 30
    # Huawei: forcible discharge of 2 kW for 5 minutes.
    r = control(host, "mb/hw.inverter", active_power_w=2000, duration_s=300)
    assert (r["outcome"], r["applied_w"]) == ("applied", 2000)
    assert sim.registers(sim.ports[3], 47083, 1) == [5] and sim.registers(sim.ports[3], 47100, 1) == [2]
    assert sim.registers(sim.ports[3], 47249, 2) == [0, 2000]
    # GoodWe: charge 1 kW (EMS import AC); an export limit of 4 kW.
    assert control(host, "mb/gw.inverter", active_power_w=-1000)["applied_w"] == -1000
    assert sim.registers(sim.ports[5], 47511, 2, unit=247) == [4, 1000]
    assert control(host, "mb/gw.inverter", export_limit_w=4000)["outcome"] == "applied"
    assert sim.registers(sim.ports[5], 47509, 2, unit=247) == [1, 4000]
    # More than the rating is held to it, and says so.
    r = control(host, "mb/sg.inverter", active_power_w=25000)
    assert r["outcome"] == "clamped" and r["applied_w"] == 10000
    assert sim.registers(sim.ports[4], 13049, 3) == [2, 0xBB, 10000]


def test_a_devices_own_limit_is_never_loosened(sim):
    ports = free_ports(1)
    models = [m for m in INT_SF if m[0] != 123] + [[123, {"WMaxLimPct": 40, "WMaxLimPct_SF": 0, "WMaxLim_Ena": 1}]]
    config = base_config(clock={"mode": "realtime"}, vpps=[], plugins=[
        {"instance": "ss", "plugin": "manta.sunspec", "config": {"devices": [
            {"key": "own.inverter", "host": "127.0.0.1", "port": ports[0], "kind": "hybrid_inverter"}]}}])
    with ModbusSim([{"port": ports[0], "type": "sunspec", "models": models}]), Mantad(config).start() as h:
        assert h.wait_for(lambda: "ss/own.inverter" in latest(h))
        assert latest(h)["ss/own.inverter"]["control.export_limit_w"] == 2000  # 40 % of 5 kW, set on the device
        r = control(h, "ss/own.inverter", export_limit_w=3000)
        assert (r["outcome"], r["applied_w"]) == ("clamped", 2000)
        assert "the device's own limit of 2000 W stays in force" in r["message"]
        assert pysunspec2_models(ports[0])[123].points["WMaxLimPct"].value == 40  # untouched
        r = control(h, "ss/own.inverter", export_limit_w=1000)
        assert (r["outcome"], r["applied_w"]) == ("applied", 1000)
        # A discharge above the device's own limit is held to it.
        r = control(h, "ss/own.inverter", active_power_w=4000)
        assert r["outcome"] == "clamped" and r["applied_w"] == 2000


def test_a_read_only_device_is_never_written(sim):
    with host_for(sim, read_only=True) as h:
        before = sim.registers(sim.ports[1], 40000, 186)
        r = control(h, "ss/float.inverter", export_limit_w=1000)
        assert (r["outcome"], r["message"]) == ("rejected", "read-only device: never written")
        assert sim.registers(sim.ports[1], 40000, 186) == before
        events = h.call("events.list", {"limit": 50})
        assert any(e["kind"] == "control.rejected" and e["source"] == "ss/float.inverter" for e in events)


@pytest.mark.parametrize("fault, reason", [
    ("exception", "Modbus exception 4 (server device failure)"),
    ("timeout", "timeout"),
    ("truncate", "timeout"),  # half a frame, then nothing
    ("garbage", "malformed answer"),
    ("wrong_unit", "malformed answer: answer from unit 2, asked unit 1"),
    ("disconnect", "the device closed the connection"),
])
def test_a_faulty_device_goes_offline_with_the_reason_and_comes_back(sim, host, fault, reason):
    port = sim.ports[1]
    sim.fault(port, fault)
    try:
        assert host.wait_for(lambda: status(host, "ss/float.inverter")[0] == "offline", timeout=15), status(host, "ss/float.inverter")
        why = status(host, "ss/float.inverter")[1]
        assert reason in why and f"127.0.0.1:{port} unit 1" in why, why
        # Everything else kept polling.
        time.sleep(1.0)
        ages = {s["device"]: s["age_ms"] for s in host.call("telemetry.latest", {"point": "ac.w", "limit": 100})}
        for d in ["ss/int.inverter", "ss/der.inverter", "mb/hw.inverter", "mb/sg.inverter", "mb/gw.inverter"]:
            assert ages[d] < 2000, (d, ages[d])
    finally:
        sim.fault(port, "none")
    # Retried, and back.
    assert host.wait_for(lambda: status(host, "ss/float.inverter")[0] == "online", timeout=30)
    kinds = [e["kind"] for e in host.call("events.list", {"limit": 200}) if e["source"] == "ss/float.inverter"]
    assert "device.offline" in kinds and kinds[-1] == "device.online"


def status(h, device):
    d = next(d for d in h.call("devices.list") if d["id"] == device)
    return d["status"], d["status_reason"]


def test_an_unreachable_device_is_offline_and_harmless(sim):
    dead = free_ports(1)[0]
    config = base_config(clock={"mode": "realtime"}, vpps=[], plugins=[
        {"instance": "ss", "plugin": "manta.sunspec", "config": {"poll_interval_ms": 200, "devices": [
            {"key": "dead.inverter", "host": "127.0.0.1", "port": dead, "kind": "pv_inverter", "rated_power_w": 5000},
            {"key": "live.inverter", "host": "127.0.0.1", "port": sim.ports[0], "kind": "hybrid_inverter"}]}}])
    with Mantad(config).start() as h:
        assert h.wait_for(lambda: status(h, "ss/dead.inverter")[0] == "offline")
        assert "Connection refused" in status(h, "ss/dead.inverter")[1]
        assert h.wait_for(lambda: status(h, "ss/live.inverter")[0] == "online")
        r = control(h, "ss/dead.inverter", export_limit_w=1000)
        assert r["outcome"] == "failed" and "Connection refused" in r["message"]


def discover_cli(*args):
    r = subprocess.run([MANTA, "discover", *args], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    return r


def test_discover_finds_every_device_with_its_config_entry(sim, host):
    found = json.loads(discover_cli("127.0.0.1", "--ports", "15020-15030", "--json").stdout)
    by = {(f["port"], f["kind"]): f for f in found}
    for f in found:
        for key in ["host", "port", "unit_id", "manufacturer", "model", "serial", "kind", "template"]:
            assert key in f, key
    inv = by[(sim.ports[0], "hybrid_inverter")]
    assert (inv["manufacturer"], inv["model"], inv["serial"], inv["template"], inv["unit_id"]) == ("SunSim", "Hybrid 5", "SS-0001", "sunspec", 1)
    assert inv["sunspec_models"] == [1, 103, 120, 123, 124, 203]
    assert by[(sim.ports[0], "meter")]["config"]["meter"] == 0
    fronius = by[(sim.ports[1], "pv_inverter")]
    assert fronius["template"] == "fronius-sunspec" and fronius["plugin"] == "manta.modbus"
    assert by[(sim.ports[2], "hybrid_inverter")]["serial"] == "D-42"
    assert by[(sim.ports[3], "hybrid_inverter")]["template"] == "huawei-sun2000"
    assert by[(sim.ports[4], "hybrid_inverter")]["model"] == "SH10RT"
    gw = by[(sim.ports[5], "hybrid_inverter")]
    assert (gw["template"], gw["unit_id"], gw["serial"]) == ("goodwe-et", 247, "ETSIM0000000001")
    # The entries paste into the drivers' configs as they are.
    assert inv["config"] == {"key": "hybrid-5-ss-0001", "host": "127.0.0.1", "port": sim.ports[0], "unit_id": 1,
                             "kind": "hybrid_inverter"}
    # The API answers the same.
    api = host.call("devices.discover", {"target": "127.0.0.1", "ports": "15020-15030"})
    assert sorted((f["port"], f["kind"], f["serial"]) for f in api) == sorted((f["port"], f["kind"], f["serial"]) for f in found)


def test_discover_costs_little_where_nothing_listens():
    t = time.monotonic()
    found = json.loads(discover_cli("127.0.0.1", "--ports", "1-1000", "--json").stdout)
    assert time.monotonic() - t < 10
    assert all(f["port"] < 1000 for f in found)  # and nothing of ours answers there


def test_bad_discover_arguments_are_named():
    r = subprocess.run([MANTA, "discover", "10.0.0.0/8"], capture_output=True, text=True)
    assert r.returncode != 0 and "prefix must be /16 to /32" in r.stderr
    r = subprocess.run([MANTA, "discover", "127.0.0.1", "--ports", "20-10"], capture_output=True, text=True)
    assert r.returncode != 0 and "ports: 20-10 is not a port or a range" in r.stderr

