# wafer: a thin wrapper over CMake. The two commands of the README:
#   make run    install what is missing, build, start the daemon on examples/
#   make test   install what is missing, build (ASan+UBSan, -Werror), run every test
#   make bench  build (release) and run the benchmarks

PACKAGES := build-essential cmake pkg-config libuv1-dev libcjson-dev node-llhttp \
            wabt clang-14 lld-14 wasi-libc libclang-rt-14-dev-wasm32 wrk curl
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
RELEASE_DIR := build/release
TEST_DIR := build/test

.PHONY: all deps build run test bench clean format

all: build

# Installs the Debian packages that are missing: with apt-get when root,
# otherwise by printing the command to run.
deps:
	@missing=""; for p in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	  else \
	    echo "missing packages; run: sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi

build: deps
	cmake -S . -B $(RELEASE_DIR) -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build $(RELEASE_DIR) -j $(JOBS) --target wafer

run: build
	./$(RELEASE_DIR)/wafer serve --modules examples

test: deps
	cmake -S . -B $(TEST_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWF_WERROR=ON \
	  -DWF_ASAN=ON -DWF_UBSAN=ON >/dev/null
	cmake --build $(TEST_DIR) -j $(JOBS)
	cd $(TEST_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 600

# BENCH_ARGS=--quick: a one-run smoke test of the harness (see bench/run.sh).
bench: deps
	cmake -S . -B $(RELEASE_DIR) -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build $(RELEASE_DIR) -j $(JOBS) --target wafer wf_engine_goto
	./bench/run.sh $(BENCH_ARGS) $(RELEASE_DIR)

format:
	find engine server config tests bench -name '*.[ch]' | xargs clang-format -i

clean:
	rm -rf build
