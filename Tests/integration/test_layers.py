"""Imports point down the layers of ../shared/DESIGN.md, never up, and the
pure layers (model, market, engine) touch no I/O, clock or socket library."""
import re

from conftest import ROOT

# What each module may import (besides the Swift standard library).
ALLOWED = {
    "MantaText": set(),
    "MantaJSON": {"CJansson"},
    "MantaModel": {"MantaJSON"},
    "MantaMarket": {"MantaText"},
    "MantaEngine": {"MantaModel", "MantaMarket", "MantaJSON", "HeapModule", "Glibc"},  # Glibc for sin/cos/exp only
    "MantaIO": {"CLinux", "Glibc", "Synchronization"},
    "MantaMarketFiles": {"MantaMarket", "MantaIO"},
    "MantaFetch": {"CCurl", "CZlib"},
    "MantaModbus": {"MantaIO", "MantaJSON", "MantaText", "Glibc", "Synchronization"},
    "MantaKit": {"MantaSDK", "MantaJSON", "Glibc", "Synchronization"},
}
PLUGIN_FORBIDDEN = {"MantaHost", "CLibUV", "CSQLite"}
PURE = {"MantaText", "MantaModel", "MantaMarket", "MantaEngine"}
IMPORT = re.compile(r"^\s*(?:@\w+(?:\(\w+\))?\s+)*import\s+(\w+)", re.M)


def imports(folder):
    found = {}
    for f in folder.rglob("*.swift"):
        for m in IMPORT.findall(f.read_text()):
            found.setdefault(m, []).append(f.relative_to(ROOT))
    return found


def test_core_modules_import_only_downward():
    for module, allowed in ALLOWED.items():
        folder = ROOT / ("SDK/swift" if module == "MantaKit" else "Core") / module
        assert folder.is_dir(), folder
        for name, files in imports(folder).items():
            assert name in allowed, f"{module} imports {name} ({files[0]}): not allowed by the layering"


def test_pure_layers_have_no_clock_file_or_socket_calls():
    banned = re.compile(r"\b(clock_gettime|gettimeofday|fopen|socket|Date\(\)|FileManager)\b")
    for module in PURE:
        for f in (ROOT / "Core" / module).rglob("*.swift"):
            hit = banned.search(f.read_text())
            assert hit is None, f"{f.relative_to(ROOT)} uses {hit.group(0)}: the pure layers do no I/O and read no clock"


def test_plugins_never_import_the_host():
    for name, files in imports(ROOT / "Plugins").items():
        assert name not in PLUGIN_FORBIDDEN, f"{files[0]} imports {name}: plugins see only the SDK and the pure layers"
