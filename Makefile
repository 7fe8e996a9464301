# twofetch — two commands: `make run` starts the whole system on embedded
# defaults, `make test` runs every test against real services.

GO        ?= go
BIN       ?= bin/twofetch
CHROME    ?= /usr/lib/chromium/chromium
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X main.version=$(VERSION)
TESTFLAGS ?= -race -timeout 40m

.PHONY: run build test deps vet lint fuzz bench qr-bench portals-doc clean

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/twofetch

run: build
	@scripts/deps.sh chromium
	$(BIN) all --replicas=$${TWOFETCH_REPLICAS:-true}

deps:
	@scripts/deps.sh chromium redis postgres npm socks kubectl

vet:
	$(GO) vet ./...

test: deps vet
	@eval "$$(scripts/deps.sh env)"; $(GO) test $(TESTFLAGS) ./...

lint: vet
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

fuzz:
	scripts/fuzz.sh $${FUZZTIME:-30s}

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

qr-bench: build
	scripts/qrbench.sh

portals-doc:
	$(GO) generate ./portals
	$(GO) test ./portals -run 'TestDocs|TestREADMEPortalTable' -update

clean:
	rm -rf bin
