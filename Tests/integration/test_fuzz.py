"""The request path's libFuzzer harness (issue 9, part 6): Tests/Fuzz/JSONFuzz.swift
built with coverage and AddressSanitizer by scripts/fuzz-json and run from the committed
corpus with every method's params schema from a real host's rpc.discover. It must run
clean for a minute, and it must find a bug planted in the JSON writer (so a clean run
means something)."""
import json
import os
import re
import shutil
import subprocess

from conftest import ROOT, Mantad, base_config

SCRIPT = str(ROOT / "scripts" / "fuzz-json")


def method_schemas(path):
    """Every method's params as one object schema, as the dispatcher checks them."""
    with Mantad(base_config()).start() as h:
        methods = h.call("rpc.discover")["methods"]
    schemas = {m["name"]: {"type": "object", "properties": {p["name"]: p["schema"] for p in m["params"]},
                           "required": [p["name"] for p in m["params"] if p.get("required")]} for m in methods}
    path.write_text(json.dumps(schemas))
    return schemas


def fuzz(seconds, out, sources=None, schemas=None):
    env = dict(os.environ)
    if schemas:
        env["MANTA_FUZZ_SCHEMAS"] = str(schemas)
    args = [SCRIPT, str(seconds)] + ([str(sources), str(out)] if sources else ["Core/MantaJSON", str(out)])
    return subprocess.run(args, capture_output=True, text=True, cwd=ROOT, env=env, timeout=seconds + 300)


def test_the_request_path_runs_clean_under_the_fuzzer_for_a_minute(tmp_path):
    schemas = method_schemas(tmp_path / "schemas.json")
    assert len(schemas) >= 50
    r = fuzz(60, tmp_path / "fuzz", schemas=tmp_path / "schemas.json")
    assert r.returncode == 0, r.stderr[-3000:]
    runs = int(re.search(r"Done (\d+) runs in", r.stderr).group(1))
    assert runs > 100_000, r.stderr[-2000:]
    assert not list((tmp_path / "fuzz" / "findings").iterdir())
    # The corpus grew from the committed seeds: the fuzzer reached new paths.
    assert len(list((tmp_path / "fuzz" / "corpus").iterdir())) > len(list((ROOT / "Tests" / "Fuzz" / "corpus").iterdir()))


def test_the_harness_finds_a_bug_planted_in_the_json_writer(tmp_path):
    planted = tmp_path / "MantaJSON"
    shutil.copytree(ROOT / "Core" / "MantaJSON", planted)
    writer = planted / "JSONWriter.swift"
    text = writer.read_text()
    good = "if d.isFinite { out.append(contentsOf: d.description.utf8) }"
    assert good in text
    # Large reals written at float precision: the corpus seeds hold such numbers, so the first pass over the corpus
    # finds it, as a written value that does not parse (1e19 becomes "1e+19", inf "inf") or one that parses to
    # another value (9223370.67 becomes 9223371.0), whichever input the fuzzer tries first.
    writer.write_text(text.replace(good, "if d.isFinite { out.append(contentsOf: (abs(d) > 1e6 ? Float(d).description : d.description).utf8) }"))
    r = fuzz(60, tmp_path / "fuzz", sources=planted)
    found = "what the writer wrote does not parse" in r.stderr or "a value changed through writing and parsing" in r.stderr
    assert r.returncode != 0 and found, r.stderr[-2000:]
    assert list((tmp_path / "fuzz" / "findings").glob("crash-*"))
