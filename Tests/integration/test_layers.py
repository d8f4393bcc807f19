"""The layers of ../shared/DESIGN.md, checked against the sources and against
Package.swift: every module a target's sources import is declared in its
dependencies, imports point down the layers and never up, no library or
executable links a test target, and the pure layers (model, market, engine)
touch no I/O, clock or socket library."""
import re

from conftest import ROOT

# What each module may import (besides the Swift standard library).
SYSTEM = {"Glibc", "Synchronization"}
ALLOWED = {
    "MantaSDK": set(),
    "MantaText": set(),
    "MantaABI": {"MantaSDK"},
    "MantaKit": {"MantaABI", "MantaSDK", "MantaJSON"},
    "MantaJSON": {"CJansson"},
    "MantaModel": {"MantaABI", "MantaJSON"},
    "MantaMarket": {"MantaText"},
    "MantaMarketFiles": {"MantaMarket", "MantaIO"},
    "MantaEngine": {"MantaABI", "MantaModel", "MantaMarket", "MantaJSON", "MantaLP", "MantaText", "HeapModule", "DequeModule"},
    "MantaLP": {"CClp"},
    "MantaIO": {"CLinux"},
    "MantaFetch": {"CCurl", "CZlib"},
    "MantaModbus": {"MantaIO", "MantaJSON", "MantaText"},
    "MantaModbusSim": {"MantaIO", "MantaModbus"},
    "MantaConsole": set(),
    "MantaHost": {"CLibUV", "CSQLite", "CPostgres", "CMosquitto", "COpenSSL", "CTLS", "CWebServer", "CLinux", "MantaConsole", "MantaSDK", "MantaABI", "MantaJSON", "MantaIO", "MantaModel",
                  "MantaMarket", "MantaMarketFiles", "MantaEngine", "MantaText", "MantaFetch", "DequeModule"},
    "MantaTools": {"CTLS", "MantaHost", "MantaEngine", "MantaIO", "MantaJSON", "MantaMarket", "MantaText"},
}
PLUGIN_FORBIDDEN = {"MantaHost", "MantaTools", "CLibUV", "CSQLite", "CPostgres", "CMosquitto"}
PURE = {"MantaText", "MantaModel", "MantaMarket", "MantaEngine"}
TEST_ONLY = {"MantaTestSupport", "MantaTestPaths"}
IGNORED = SYSTEM | {"Foundation", "Testing", "XCTest", "Dispatch"}
HEADER_IMPORT = re.compile(r"^(?:@\w+(?:\([\w, ]+\))?\s+)*import\s+(\w+)")


def header_imports(path):
    """The modules a Swift file imports: its leading import lines only, so
    that an `import` inside a string (an embedded Python script) is not one."""
    found = []
    for line in path.read_text().splitlines():
        s = line.strip()
        if not s or s.startswith("//"):
            continue
        m = HEADER_IMPORT.match(s)
        if not m:
            break
        found.append(m.group(1))
    return found


def package_targets():
    """(name, path, dependencies) of every Swift target in Package.swift."""
    text = (ROOT / "Package.swift").read_text()
    targets = []
    for m in re.finditer(r"\.(?:target|testTarget|executableTarget)\(\s*name:\s*\"([\w-]+)\"(.*?)path:\s*\"([^\"]+)\"",
                         text, re.S):
        name, middle, path = m.group(1), m.group(2), m.group(3)
        deps = set(re.findall(r"\"([\w-]+)\"", re.search(r"dependencies:\s*\[(.*?)\]\s*,?", middle, re.S).group(1))) \
            if "dependencies:" in middle else set()
        # .product(name: "X", package: "y"): keep the product name only.
        deps -= set(re.findall(r"package:\s*\"([\w-]+)\"", middle))
        targets.append((name, path, deps))
    return targets


def imports_of(path):
    """Imports of the Swift files under `path`, leaving out those of other
    targets nested inside it (SDK holds SDK/swift/MantaKit)."""
    paths = [p for _, p, _ in package_targets()]
    nested = [p for p in paths if p != path and p.startswith(path.rstrip("/") + "/")] if path in paths else []
    found = {}
    for f in (ROOT / path).rglob("*.swift"):
        rel = str(f.relative_to(ROOT))
        if any(rel.startswith(n + "/") for n in nested):
            continue
        for m in header_imports(f):
            found.setdefault(m, []).append(f.relative_to(ROOT))
    return found


def test_package_swift_declares_every_import():
    targets = package_targets()
    assert len(targets) > 20, "Package.swift was not read"
    for name, path, deps in targets:
        for module, files in imports_of(path).items():
            if module in IGNORED:
                continue
            assert module in deps, f"{files[0]} imports {module}, which target {name} does not declare in Package.swift"


def test_core_modules_import_only_downward():
    declared = {name: (path, deps) for name, path, deps in package_targets()}
    for module, allowed in ALLOWED.items():
        path, deps = declared[module]
        assert deps <= allowed, f"Package.swift gives {module} {sorted(deps - allowed)}: not allowed by the layering"
        for name, files in imports_of(path).items():
            assert name in allowed | SYSTEM, f"{module} imports {name} ({files[0]}): not allowed by the layering"


def test_no_library_or_executable_links_a_test_target():
    for name, path, deps in package_targets():
        if path.startswith("Tests/"):
            continue
        linked = deps & TEST_ONLY
        assert not linked, f"{name} ({path}) links the test target(s) {sorted(linked)}"


def test_lower_layer_tests_link_only_their_layer():
    declared = {name: deps for name, _, deps in package_targets()}
    for test in ["MantaJSONTests", "MantaModelTests", "MantaMarketTests", "MantaModbusTests", "MantaEngineTests",
                 "MantaIOTests", "MantaFetchTests"]:
        assert not declared[test] & {"MantaHost", "MantaTestSupport", "MantaTools"}, \
            f"{test} links the host: a lower layer's tests link that layer only"


def test_pure_layers_have_no_clock_file_or_socket_calls():
    banned = re.compile(r"\b(clock_gettime|gettimeofday|fopen|socket|Date\(\)|FileManager)\b")
    for module in PURE:
        for f in (ROOT / "Core" / module).rglob("*.swift"):
            hit = banned.search(f.read_text())
            assert hit is None, f"{f.relative_to(ROOT)} uses {hit.group(0)}: the pure layers do no I/O and read no clock"


def test_libraries_and_plugins_do_without_foundation():
    for folder in ["Core", "SDK", "Plugins"]:
        for name, files in imports_of(folder).items():
            if name == "Foundation":
                bad = [f for f in files if not str(f).startswith(("Core/manta-bench/", "Core/manta/"))]
                assert not bad, f"{bad[0]} imports Foundation: the libraries and plugins stay without it"


def test_plugins_never_import_the_host():
    for name, files in imports_of("Plugins").items():
        assert name not in PLUGIN_FORBIDDEN, f"{files[0]} imports {name}: plugins see only the SDK and the pure layers"
