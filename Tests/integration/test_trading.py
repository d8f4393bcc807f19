"""The trading desk on a real host: bids in AEMO's form refused field by field,
a bid that clears, dispatches the fleet and settles, rebids and cancels, and a
replay clock that never shows a price after the host's now.

The host replays the real VIC1 July 2022 PRICE_AND_DEMAND file (nem-file) to
four simulated homes (5 kW / 13.5 kWh each: 0.02 MW in all); every price the
tests compare with is read from that file here, independently of Manta."""
import datetime

import pytest

from conftest import AEST, Mantad, base_config, file_rrp, iso, needs_data, price_file, rpc_error

START = "2022-07-17T16:00:00+10:00"  # an evening: the VIC1 price is 280-380 AUD/MWh
DAY = "2022-07-17"
INTERVAL = 300_000
BANDS = [-1000, -500, 0, 50, 100, 200, 300, 500, 1000, 15000]




def now_ms(h):
    return h.call("host.info")["clock"]["now_ms"]


def next_ends(h, count, skip=2):
    """Ends of `count` intervals starting `skip` intervals from now."""
    first = (now_ms(h) // INTERVAL + skip) * INTERVAL
    return [first + k * INTERVAL for k in range(count)]


def bid(vpp="vic", market="energy", ends=(), mw=0.01, bands=BANDS, band=0, **extra):
    row = [0.0] * 10
    row[band] = mw
    p = {"vpp": vpp, "market": market, "day": DAY, "bands": list(bands),
         "intervals": [{"interval": iso(e), "mw": list(row)} for e in ends]}
    p.update(extra)
    return p


@pytest.fixture(scope="module")
def desk():
    if not price_file("VIC1", "202207"):
        pytest.skip("needs ../shared/data")
    config = base_config(clock={"mode": "replay", "start": START, "speed": 300},
                         trading={"gate_closure_s": 60})
    with Mantad(config).start() as h:
        yield h


@needs_data
def test_each_bid_refusal_names_its_field_and_lodges_nothing(desk):
    ends = next_ends(desk, 2)
    past = (now_ms(desk) // INTERVAL) * INTERVAL  # the current interval's start: already started
    before = len(desk.call("trades.list", {"limit": 1000}))
    cases = [
        (bid(ends=ends, bands=BANDS[:9]), "bands"),
        (bid(ends=ends, bands=[-1000, -500, 0, 50, 40, 200, 300, 500, 1000, 15000]), "bands[4]"),
        (bid(ends=ends, bands=BANDS[:9] + [16000]), "bands[9]"),  # FY2022-23's cap is 15,500
        (bid(ends=ends, bands=[-1001] + BANDS[1:]), "bands[0]"),  # below the market floor
        (bid(market="RAISE6SEC", ends=ends, bands=[-1] + list(range(1, 10))), "bands[0]"),  # FCAS starts at 0
        (bid(ends=[past]), "intervals[0].interval"),
        (bid(ends=[ends[0] + 120_000]), "intervals[0].interval"),  # off the 5-minute grid
        (bid(ends=[ends[0] + 86_400_000]), "intervals[0].interval"),  # another trading day
        (bid(ends=[ends[0], ends[0]]), "intervals[1].interval"),
        (bid(ends=ends, mw=1.0), "intervals[0].mw"),  # 1 MW from a 0.02 MW fleet
        (bid(market="RAISEREG", ends=ends, bands=list(range(10))), "market"),
        (bid(market="RAISE6SEC", ends=ends, bands=list(range(10))), "intervals[0].mw"),  # no frequency controllers
        (bid(vpp="nowhere", ends=ends), "vpp"),
        (bid(ends=ends, day="2022-02-30"), "day"),
        (bid(market="LOWER6SEC", ends=ends, bands=list(range(10)), side="raise"), "side"),
        (bid(ends=ends, rebid_of=1), "reason"),
        (bid(ends=ends, rebid_of=999, reason="new forecast"), "rebid_of"),
    ]
    negative = bid(ends=ends)
    negative["intervals"][0]["mw"][2] = -0.001
    cases.append((negative, "intervals[0].mw[2]"))
    for params, field in cases:
        e = rpc_error(desk, "bids.submit", params)
        assert e["code"] == -32602, (field, e)
        assert field in e["message"], (field, e["message"])
    assert len(desk.call("trades.list", {"limit": 1000})) == before
    # The guard counted every refusal that reached the desk (the schema's and the VPP's own are not the desk's).
    status = desk.call("risk.status", {"vpp": "vic"})["vpps"][0]
    assert status["interceptions"]["bid"] >= len(cases) - 4


@needs_data
def test_a_bid_clears_dispatches_and_settles_through_every_status(desk):
    ends = next_ends(desk, 3)
    lodged = desk.call("bids.submit", bid(ends=ends, reason="evening peak"))
    assert lodged["status"] == "submitted" and lodged["intervals"] == 3
    # A load bid priced far below the evening's RRP: lodged, and cleared for nothing.
    low = desk.call("bids.submit", bid(ends=ends[:1], side="load", bands=[-1000 + 10 * k for k in range(10)], band=9))
    assert desk.wait_for(lambda: desk.call("bids.get", {"id": lodged["id"]})["status"] == "settled", timeout=30)
    got = desk.call("bids.get", {"id": lodged["id"]})
    rrp = file_rrp("VIC1", "202207")
    settled = {r["interval_end_ms"]: r for r in desk.call("settlement.intervals", {"vpp": "vic", "limit": 1000})}
    for iv in got["intervals"]:
        end = iv["interval_ms"]
        assert iv["status"] == "settled"
        assert iv["submitted_at"] < iv["cleared_at"] <= iv["dispatched_at"] <= iv["settled_at"]
        # Cleared as the interval started (its dispatch price is published then), not before.
        cleared = datetime.datetime.fromisoformat(iv["cleared_at"]).timestamp() * 1000
        assert end - INTERVAL <= cleared < end
        assert iv["cleared_mw"] == pytest.approx(0.01)
        assert iv["price"] == rrp[end]  # the RRP of the file itself
        s = settled[end]
        assert s["rrp"] == rrp[end]
        # One energy bid cleared: its revenue is the VPP's energy settlement of the interval.
        assert iv["revenue_aud"] == pytest.approx(s["energy_aud"], rel=1e-12)
        assert iv["dispatched_mw"] == pytest.approx(s["energy_wh"] / 1e6 / (5 / 60), rel=1e-12)
    # From the second interval on the fleet ran at the cleared 10 kW all interval (the first
    # begins on the strategy's 20 kW until the homes' 30 s readings catch up).
    for iv in got["intervals"][1:]:
        assert iv["dispatched_mw"] == pytest.approx(0.01, rel=0.02)
    history = {d["interval_end_ms"]: d for d in desk.call("dispatch.history", {"vpp": "vic", "limit": 100})}
    for end in ends:
        assert history[end]["strategy"].startswith("instruction:"), history[end]
        assert history[end]["target_w"] == pytest.approx(10_000)
    assert desk.wait_for(lambda: desk.call("bids.get", {"id": low["id"]})["status"] == "settled", timeout=30)
    [iv] = desk.call("bids.get", {"id": low["id"]})["intervals"]
    assert iv["cleared_mw"] == 0 and "did not reach the limit" in iv["message"]
    listed = desk.call("trades.list", {"vpp": "vic", "day": DAY, "market": "energy", "status": "settled"})
    mine = next(t for t in listed if t["id"] == lodged["id"])
    assert mine["by_status"] == {"settled": 3} and mine["cleared_mwh"] == pytest.approx(0.01 * 3 * 5 / 60)
    assert mine["reason"] == "evening peak" and mine["principal"] == "local"


@needs_data
def test_a_rebid_cancels_what_is_still_open_and_cancel_stops_the_rest(desk):
    ends = next_ends(desk, 4, skip=3)
    first = desk.call("bids.submit", bid(ends=ends))
    second = desk.call("bids.submit", bid(ends=ends[1:], mw=0.005, rebid_of=first["id"],
                                          reason="1600 P5MIN forecast lower: offer halved"))
    old = desk.call("bids.get", {"id": first["id"]})
    assert [iv["status"] for iv in old["intervals"]] == ["cancelled"] * 4
    assert "rebid as bid" in old["intervals"][0]["message"] and old["status"] == "cancelled"
    done = desk.call("bids.cancel", {"id": second["id"], "reason": "plant outage"})
    assert done["cancelled"] == 3 and done["status"] == "cancelled"
    new = desk.call("bids.get", {"id": second["id"]})
    assert new["rebid_of"] == first["id"] and new["reason"].startswith("1600 P5MIN")
    assert all(iv["cancelled_at"] and "plant outage" in iv["message"] for iv in new["intervals"])
    assert rpc_error(desk, "bids.cancel", {"id": second["id"]})["code"] == -32002  # no longer open


@needs_data
def test_a_replay_clock_shows_no_price_after_the_hosts_now(desk):
    for fetch in (False, True):
        prices = desk.call("market.prices", {"region": "VIC1", "to": "2022-07-31 00:00", "fetch": fetch, "limit": 50})
        horizon = (now_ms(desk) // INTERVAL + 1) * INTERVAL  # read after the call: now only moves on
        assert prices and max(p["interval_end_ms"] for p in prices) <= horizon, fetch
    # A backtest over the month ends at the host's now too: the rest of the file is the replay's future.
    started = desk.call("backtest.run", {"prices": [price_file("VIC1", "202207")], "battery": "power_mw=1,energy_mwh=2",
                                         "from": "2022-07-10", "to": "2022-07-31"})
    assert desk.wait_for(lambda: desk.call("backtest.status", {"id": started["id"]})["state"] != "running", timeout=60)
    result = desk.call("backtest.result", {"id": started["id"]})
    end = datetime.datetime.fromisoformat(result["to"]).timestamp() * 1000
    assert end <= (now_ms(desk) // INTERVAL + 1) * INTERVAL
    assert end < datetime.datetime(2022, 7, 18, tzinfo=AEST).timestamp() * 1000
    late = desk.call("backtest.run", {"prices": [price_file("VIC1", "202207")], "battery": "power_mw=1,energy_mwh=2",
                                      "from": "2022-07-25"})
    assert desk.wait_for(lambda: desk.call("backtest.status", {"id": late["id"]})["state"] != "running", timeout=60)
    status = desk.call("backtest.status", {"id": late["id"]})
    assert status["state"] == "failed" and "replay" in status["error"], status


@needs_data
def test_open_bids_survive_a_restart_under_the_wall_clock_and_not_a_new_replay(tmp_path):
    wall = base_config(clock={"mode": "realtime"})
    (tmp_path / "wall").mkdir()
    (tmp_path / "replay").mkdir()
    with Mantad(wall, folder=tmp_path / "wall").start() as h:
        now = now_ms(h)
        ends = [(now // INTERVAL + 12 + k) * INTERVAL for k in range(2)]  # an hour ahead
        day = datetime.datetime.fromtimestamp((ends[0] - 1) / 1000 - 4 * 3600, AEST).strftime("%Y-%m-%d")
        lodged = h.call("bids.submit", bid(ends=ends, day=day))
        h.stop()
        h.start()
        got = h.call("bids.get", {"id": lodged["id"]})
        assert got["status"] == "submitted" and [iv["status"] for iv in got["intervals"]] == ["submitted"] * 2
        assert h.call("bids.cancel", {"id": lodged["id"]})["cancelled"] == 2  # open in the new run
    with Mantad(base_config(clock={"mode": "replay", "start": START, "speed": 300}), folder=tmp_path / "replay").start() as h:
        lodged = h.call("bids.submit", bid(ends=next_ends(h, 2, skip=6)))
        h.stop()
        h.start()
        got = h.call("bids.get", {"id": lodged["id"]})
        assert got["status"] == "cancelled"
        assert all(iv["message"] == "a new run of the replay started" for iv in got["intervals"])


@needs_data
def test_what_bids_hold_open_is_bounded(tmp_path):
    """100,000 open intervals at most (ten MW each): a client lodging day-long bids in a loop is refused, not obeyed."""
    config = base_config(clock={"mode": "replay", "start": "2022-07-17T04:05:00+10:00", "speed": 1})
    with Mantad(config, folder=tmp_path).start() as h, h.client() as c:
        first = (now_ms(h) // INTERVAL + 2) * INTERVAL
        day_end = int(datetime.datetime(2022, 7, 18, 4, tzinfo=AEST).timestamp() * 1000)
        ends = list(range(first, day_end + 1, INTERVAL))
        assert 250 <= len(ends) <= 288
        lodged = 0
        for _ in range(100_000 // len(ends) + 2):
            r = c.request("bids.submit", bid(ends=ends, mw=0.0001))
            if "error" in r:
                break
            lodged += 1
        assert r["error"]["code"] == -32003 and "are open" in r["error"]["message"], r
        assert lodged == 100_000 // len(ends)
        assert h.call("host.info")["clock"]["now_ms"] > 0  # the host is still there, and answers
