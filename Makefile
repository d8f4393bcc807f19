# Manta VPP. `make run` starts the quickstart fleet; `make test` runs every test.
SWIFT ?= swift
CONFIG ?= examples/quickstart/manta.json

.PHONY: run run-tls test build deps bench fuzz screenshots clean

deps:
	@scripts/install-deps

build: deps
	$(SWIFT) build

# The quickstart: 36 simulated VIC1 homes trading a real day, 300x faster,
# with the operator console at http://127.0.0.1:7480/ (mantad prints it).
run: build
	@echo "make run: the console will be at http://127.0.0.1:7480/ (JSON-RPC on 127.0.0.1:7420)"
	.build/debug/mantad --config $(CONFIG)

# The quickstart with both APIs over TLS, using a self-signed certificate
# for 127.0.0.1 and localhost made on first use (var/tls/). Clients trust it
# with `manta rpc --tls-ca var/tls/cert.pem host.info` or MANTA_TLS_CA.
run-tls: build var/tls/cert.pem
	@echo "make run-tls: the console will be at https://127.0.0.1:7480/ (JSON-RPC over TLS on 127.0.0.1:7420)"
	.build/debug/mantad --config $(CONFIG) --tls-cert var/tls/cert.pem --tls-key var/tls/key.pem

var/tls/cert.pem:
	@mkdir -p var/tls
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 825 \
		-subj "/CN=manta quickstart" -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
		-keyout var/tls/key.pem -out var/tls/cert.pem
	@chmod 600 var/tls/key.pem

# Every test: Swift unit and integration tests, then the Python tests that
# talk to a real mantad over TCP and cross-check against external tools.
# The Swift store suite runs on SQLite and on a PostgreSQL server of its own
# (a fresh cluster on loopback, stopped again after).
TEST_PG ?= $(or $(TMPDIR),/tmp)/manta-test-pg-$(shell id -u)

test:
	@scripts/install-deps --test
	$(SWIFT) build
	url=$$(python3 Tests/integration/pg_support.py start $(TEST_PG)) && \
		MANTA_TEST_POSTGRES_URL=$$url $(SWIFT) test; rc=$$?; \
		python3 Tests/integration/pg_support.py stop $(TEST_PG); exit $$rc
	python3 -m pytest -q Tests/integration

bench:
	@scripts/install-deps --test
	$(SWIFT) build -c release
	.build/release/manta-bench --out BENCHMARKS.md

# The JSON layer under libFuzzer (scripts/fuzz-json): SECONDS of fuzzing from
# the committed request corpus; a finding is left in .build/fuzz/findings.
# `make test` runs it for a minute with every method's schema (test_fuzz.py).
SECONDS ?= 300
fuzz:
	scripts/fuzz-json $(SECONDS)

# Each console page on the quickstart fleet, in headless Chromium, for the
# docs (docs/console/*.png), and each page's time to first render.
screenshots:
	@scripts/install-deps --test
	$(SWIFT) build
	python3 scripts/console_screenshots.py --out docs/console

clean:
	rm -rf .build var
