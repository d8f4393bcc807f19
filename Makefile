# Manta VPP. `make run` starts the quickstart fleet; `make test` runs every test.
SWIFT ?= swift
CONFIG ?= examples/quickstart/manta.json

.PHONY: run test build deps bench clean

deps:
	@scripts/install-deps

build: deps
	$(SWIFT) build

# The quickstart: 36 simulated VIC1 homes trading a real day, 300x faster.
run: build
	.build/debug/mantad --config $(CONFIG)

# Every test: Swift unit and integration tests, then the Python tests that
# talk to a real mantad over TCP and cross-check against external tools.
test:
	@scripts/install-deps --test
	$(SWIFT) build
	$(SWIFT) test
	python3 -m pytest -q Tests/integration

bench:
	@scripts/install-deps --test
	$(SWIFT) build -c release
	.build/release/manta-bench --out BENCHMARKS.md

clean:
	rm -rf .build var
