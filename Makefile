# calldesk: the two commands a newcomer needs are `make run` and `make test`.
GO      ?= go
BIN     := bin/calldesk
DB      ?= ./calldesk.db
ADDR    ?= 127.0.0.1:8080
# The master key file (calldesk keys generate): keep it apart from the database and its backups.
KEYS    ?= ./calldesk.keys

.PHONY: build run test bench lint clean

build:
	$(GO) build -o $(BIN) ./cmd/calldesk

## run: build, make a master key file $(KEYS) if there is none, load the demo university into $(DB)
## if it is empty, and serve on $(ADDR), sealing sensitive content under $(KEYS)
run: build
	test -s $(KEYS) || $(BIN) keys generate --out $(KEYS)
	$(BIN) demo --db $(DB) --if-empty --token --password --master-keys-file $(KEYS)
	$(BIN) serve --db $(DB) --addr $(ADDR) --master-keys-file $(KEYS)

## test: every test, on SQLite and PostgreSQL (started here when none is running)
test:
	./scripts/test.sh

## bench: the issue 2 API benchmarks, the issue 3 console and issue 4 portal page benchmarks (wrk) on both engines; figures in .bench/results.txt
bench: build
	./scripts/bench.sh

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed: $$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) mod tidy -diff

clean:
	rm -rf bin .bench
