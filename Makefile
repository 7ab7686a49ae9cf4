# Convenience targets around CMake. `./bootstrap TARGET` installs the
# dependencies first; these targets assume they are present.
JOBS ?= $(shell nproc)
BUILD ?= build
ASAN ?= build-asan
FUZZ ?= build-fuzz
FUZZ_SECONDS ?= 20
# make install [PREFIX=/usr/local] [DESTDIR=/tmp/stage]: the moat command, libmoat.so.0
# with its headers and moat.pc, man pages and docs, in GNU directories under PREFIX.
PREFIX ?= /usr/local
DESTDIR ?=

.PHONY: all build install asan fuzz demo check unit test test-asan fuzz-smoke bench clean format

all: build

build:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build $(BUILD) -j$(JOBS)

install:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null
	cmake --build $(BUILD) -j$(JOBS)
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD)

asan:
	cmake -S . -B $(ASAN) -DCMAKE_BUILD_TYPE=Debug -DMOAT_SANITIZE=ON >/dev/null
	cmake --build $(ASAN) -j$(JOBS)

fuzz:
	CC=clang cmake -S . -B $(FUZZ) -DCMAKE_BUILD_TYPE=Debug -DMOAT_FUZZ=ON -DMOAT_TESTS=OFF >/dev/null
	cmake --build $(FUZZ) -j$(JOBS)

# The main job on a real sample: a minimal Debian 12 image built with
# debootstrap and podman, inventoried and scanned (vulnerabilities with
# severities, secrets, misconfigurations) from its docker-archive.
demo: build
	scripts/demo.sh $(BUILD)

# A test whose data, reference tool or service is missing is reported as
# skipped, with its reason; in CI (CI=true or MOAT_REQUIRE_ALL=1) any skip
# fails the target (tests/run-ctest.sh).
test: build
	tests/run-ctest.sh $(BUILD)

test-asan: asan
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		tests/run-ctest.sh $(ASAN)

# Replay every fuzz corpus and regression input, then fuzz each target briefly.
fuzz-smoke: fuzz
	tests/fuzz-smoke.sh $(FUZZ) $(FUZZ_SECONDS)

check: test test-asan fuzz-smoke

bench: build
	bench/sbom-bench.sh
	bench/db-bench.sh $(BUILD)/moat
	MOAT=$(BUILD)/moat bench/secret-bench.sh
	MOAT=$(BUILD)/moat bench/authz-docker-bench.sh
	MOAT=$(BUILD)/moat bench/scale-bench.sh

format:
	clang-format -i $$(git ls-files 'src/*.c' 'src/*.h' 'tests/*.c' 'fuzz/*.c')

clean:
	rm -rf $(BUILD) $(ASAN) $(FUZZ)
