#!/usr/bin/env python3
"""Writes FOLDER/manta/*.h (FOLDER: the first argument) from SDK/include/manta/*.h:
the current headers as a future minor would have them, MANTA_ABI_MINOR one
higher and a `next_field` appended to every growable struct (every struct
that starts with struct_size). Tests build fixtures against them to prove
that today's host runs a plugin built for a newer minor (abi.h rule 3)."""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[3]
SRC = ROOT / "SDK" / "include" / "manta"

APPENDED = "    uint64_t next_field; /* appended by the next minor (test headers only) */\n"


def grow(text):
    out, pos = [], 0
    for m in re.finditer(r"^(typedef )?struct \w+ \{\n", text, re.M):
        end = text.index("\n}", m.end()) + 1
        out.append(text[pos:end])
        if "    uint32_t struct_size;" in text[m.end():end]:
            out.append(APPENDED)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def main():
    DST = pathlib.Path(sys.argv[1]) / "manta"
    DST.mkdir(parents=True, exist_ok=True)
    for h in sorted(SRC.glob("*.h")):
        text = grow(h.read_text())
        if h.name == "abi.h":
            minor = int(re.search(r"#define MANTA_ABI_MINOR (\d+)", text).group(1))
            text = text.replace(f"#define MANTA_ABI_MINOR {minor}", f"#define MANTA_ABI_MINOR {minor + 1}")
            text = ("/* TEST HEADERS, written by Tests/Fixtures/abi/make_next.py when the tests run: the SDK's\n"
                    " * headers as the next minor would have them. Not part of the SDK. */\n") + text
        (DST / h.name).write_text(text)


if __name__ == "__main__":
    main()
