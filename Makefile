# calldesk: the two commands a newcomer needs are `make run` and `make test`.
GO      ?= go
BIN     := bin/calldesk
DB      ?= ./calldesk.db
ADDR    ?= 127.0.0.1:8080

.PHONY: build run test bench lint clean

build:
	$(GO) build -o $(BIN) ./cmd/calldesk

## run: build, load the demo university into $(DB) if it is empty, and serve on $(ADDR)
run: build
	$(BIN) demo --db $(DB) --if-empty --token --password
	$(BIN) serve --db $(DB) --addr $(ADDR)

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
