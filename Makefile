# narwhal — make targets. `make run` and `make test` work on a fresh Debian
# machine with Go: both install what is missing first (scripts/deps.sh).

GO        ?= go
BIN       := bin/narwhal
# Debian's CPython, never a pyenv/virtualenv one earlier on PATH: cgo finds it
# through pkg-config (python3-embed) in Debian's pkg-config directory.
export PKG_CONFIG_PATH := /usr/lib/x86_64-linux-gnu/pkgconfig:/usr/share/pkgconfig
export CGO_ENABLED := 1
BIND      ?= 127.0.0.1:8000
APP       ?= hello:app
FUZZTIME  ?= 30s
# Packages without cgo run under the race detector.
PUREGO    := ./eventloop/... ./config/...
# More flags for the side-by-side matrix (bench/matrix_test.go), e.g.
# MATRIX_FLAGS='-matrix.apps=^hello$$ -matrix.servers=narwhal|gunicorn'.
MATRIX_FLAGS ?=

.PHONY: all deps build run test vet bench bench-matrix bench-quick fuzz clean

all: build

deps:
	@scripts/deps.sh

build: deps
	$(GO) build -o $(BIN) ./cmd/narwhal

run: build
	$(BIN) --bind $(BIND) --pythonpath examples $(APP)

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt: files above need formatting"; exit 1; }
	$(GO) vet ./...

test: build vet
	$(GO) test -race -count=1 $(PUREGO)
	$(GO) test -count=1 $$($(GO) list ./... | grep -v -e /eventloop -e /config)

# Micro-benchmarks, the macro Benchmark* functions of bench/, then the
# side-by-side matrix against gunicorn, uWSGI, waitress and Go net/http
# (about 45 minutes): results in bench/results/latest.{md,json,*.png}.
bench: build
	$(GO) test -run '^$$' -bench . -benchmem ./eventloop/... ./wsgi/...
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 30m ./bench/
	$(MAKE) --no-print-directory bench-matrix

bench-matrix: build
	$(GO) test -run '^TestMatrix$$' -count=1 -v -timeout 3h ./bench/ -args -matrix=full $(MATRIX_FLAGS)

# The matrix's smoke test, 2-3 minutes: every server must answer every
# app correctly; the numbers (bench/results/quick.*) are not judged.
bench-quick: build
	$(GO) test -run '^TestMatrix$$' -count=1 -v -timeout 20m ./bench/ -args -matrix=quick $(MATRIX_FLAGS)

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME) ./eventloop/http1/
	$(GO) test -run '^$$' -fuzz FuzzChunked -fuzztime $(FUZZTIME) ./eventloop/http1/

clean:
	rm -rf bin
