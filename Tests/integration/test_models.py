"""The Python model bridge (manta.python) from the outside: a real model
process driven through `manta backtest`, and models that misbehave in every
way we could think of. Whatever a model does, each interval is decided (as
hold when the model failed), the reason is reported, and the run ends in
bounded time."""
import json
import subprocess
import time

import pytest

from conftest import BUILD, ROOT, SHARED, needs_data

MANTA = str(BUILD / "manta")
PYTHON_SO = str(BUILD / "libmanta_python.so")
MISBEHAVING = str(ROOT / "Tests" / "Fixtures" / "models" / "misbehaving.py")
BAND = str(ROOT / "examples" / "models" / "band_model.py")
VIC1 = str(SHARED / "nem" / "price_and_demand" / "VIC1")


def run_model(config, start="2023-01-01", end="2023-01-01T02:00", timeout=60):
    """Backtests the bridge with `config`; the summary, the log and the wall time."""
    t = time.monotonic()
    r = subprocess.run([MANTA, "backtest", "--prices", VIC1, "--from", start, "--to", end, "--strategy", PYTHON_SO,
                        "--config", json.dumps(config), "--battery", "power_mw=1,energy_mwh=2,eta_rt=0.9", "--json", "--log-level", "info"],
                       capture_output=True, text=True, cwd=ROOT, timeout=timeout)
    assert r.returncode == 0, r.stdout + r.stderr
    return json.loads(r.stdout), r.stderr, time.monotonic() - t


@needs_data
def test_the_example_model_trades_and_its_stderr_reaches_the_log():
    out, log, _ = run_model({"script": BAND}, end="2023-01-03")
    assert out["intervals"] == 2 * 288
    assert out["strategy_errors"] == 0, out["first_strategy_error"]
    assert out["charged_mwh"] > 0.5 and out["discharged_mwh"] > 0.5
    assert "model: band model ready for manta.python as strategy" in log
    assert "model started:" in log and "(band)" in log


@needs_data
def test_a_model_as_the_mpc_forecaster():
    out, log, _ = run_model({"script": BAND, "role": "forecaster", "mpc": {"horizon": 24}}, end="2023-01-03")
    assert out["strategy_errors"] == 0
    assert out["revenue_aud"] > 0 and out["cycles"] > 0.5
    assert "band model ready for manta.python as forecaster" in log


@needs_data
def test_a_forecaster_that_answers_the_wrong_horizon_falls_back_to_the_seasonal_profile():
    out, log, _ = run_model({"script": MISBEHAVING, "role": "forecaster", "mpc": {"horizon": 24},
                             "model_config": {"mode": "short"}})
    # Not an error: the MPC planned on its own profile and said so.
    assert out["strategy_errors"] == 0
    # The plan spans 24 intervals: the one being decided (its price is known) and 23 forecast.
    assert "gave 11 prices for a horizon of 23" in log and "planned on the seasonal profile" in log


@needs_data
@pytest.mark.parametrize("mode, message", [
    ("garbage", "the model wrote something that is not a JSON-RPC message: sure, let me think about that"),
    ("wrong_count", "targets_w has 2 values for 1 assets"),
    ("not_number", 'targets_w[0] is "lots", not a number of watts'),
    ("error", "the model answered with an error: model weights not loaded"),
])
def test_nonsense_is_held_and_named(mode, message):
    out, log, elapsed = run_model({"script": MISBEHAVING, "model_config": {"mode": mode, "after": 6}})
    assert out["intervals"] == 24
    assert out["strategy_errors"] == 18  # the 6 good answers held at 0 W, the rest failed
    assert out["first_strategy_error"] == f"2023-01-01 00:35: MANTA_ERR_INVALID: {message}"
    assert out["charged_mwh"] == 0 and out["discharged_mwh"] == 0
    assert f"{message} (1 in a row)" in log
    assert elapsed < 20


@needs_data
def test_a_crashing_model_is_restarted_with_its_last_words_logged():
    out, log, _ = run_model({"script": MISBEHAVING, "model_config": {"mode": "crash", "after": 4}})
    # Each start serves 4 calls and dies on the 5th; the 6th waits out the
    # backoff (1 call) and the 7th restarts it: 24 intervals are 4 such
    # cycles of 4 served and 2 held.
    assert out["first_strategy_error"].startswith("2023-01-01 00:25: MANTA_ERR_IO: the model closed its output "
                                                  "(exited, status 3); its last words: segfault in my numpy")
    assert out["strategy_errors"] == 8
    assert log.count("model started:") == 4
    assert "model: segfault in my numpy, probably" in log


@needs_data
def test_a_model_that_cannot_start_is_given_up_on():
    out, log, elapsed = run_model({"script": MISBEHAVING, "max_starts": 3, "model_config": {"mode": "no_start"}},
                                  end="2023-01-02")
    assert out["strategy_errors"] == 288
    assert "cannot start the model (the model closed its output (exited, status 2); " \
           "its last words: cannot find my weights file)" in out["first_strategy_error"]
    assert "the model failed to start 3 times in a row" in log and "not trying again" in log
    assert log.count("model: cannot find my weights file") == 3  # three starts, no more
    assert elapsed < 20


@needs_data
def test_a_hung_model_is_killed_and_the_interval_held_within_the_deadline():
    out, log, elapsed = run_model({"script": MISBEHAVING, "deadline_ms": 200, "hung_after_ms": 600,
                                   "model_config": {"mode": "hang", "after": 10}})
    assert out["strategy_errors"] > 0
    assert "2023-01-01 00:55: MANTA_ERR_TIMEOUT: no answer within 200 ms" in out["first_strategy_error"]
    assert "ms: killed; restarting in 1 call" in log
    assert log.count("model started:") >= 2  # and it came back
    # 24 intervals: each hang costs the deadline plus the rest of hung_after_ms.
    assert elapsed < 15


@needs_data
def test_a_slow_model_misses_every_deadline_as_it_would_live():
    # 300 ms answers against a 100 ms deadline: in a backtest the late answer
    # is waited for (host time has passed), then the next call is late too.
    out, log, _ = run_model({"script": MISBEHAVING, "deadline_ms": 100,
                             "model_config": {"mode": "slow", "after": 4, "sleep_s": 0.3}})
    assert out["strategy_errors"] == 20
    assert "still busy" not in log  # never starved by a backtest's pace
    assert "model started:" in log and log.count("model started:") == 1
