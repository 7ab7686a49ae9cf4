# Convenience targets around CMake. `./bootstrap TARGET` installs the
# dependencies first; these targets assume they are present.
JOBS ?= $(shell nproc)
BUILD ?= build
ASAN ?= build-asan
FUZZ ?= build-fuzz
FUZZ_SECONDS ?= 20

.PHONY: all build asan fuzz demo check unit test test-asan fuzz-smoke bench clean format

all: build

build:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build $(BUILD) -j$(JOBS)

asan:
	cmake -S . -B $(ASAN) -DCMAKE_BUILD_TYPE=Debug -DMOAT_SANITIZE=ON >/dev/null
	cmake --build $(ASAN) -j$(JOBS)

fuzz:
	CC=clang cmake -S . -B $(FUZZ) -DCMAKE_BUILD_TYPE=Debug -DMOAT_FUZZ=ON -DMOAT_TESTS=OFF >/dev/null
	cmake --build $(FUZZ) -j$(JOBS)

# The main job on a real sample: a minimal Debian 12 image built with
# debootstrap and podman, inventoried from its docker-archive.
demo: build
	tests/fixtures/build-all.sh debian-min
	$(BUILD)/moat sbom --format table \
		"docker-archive:$${MOAT_FIXTURES:-$$HOME/.cache/moat/fixtures}/debian-min/docker-archive.tar"

test: build
	cd $(BUILD) && ctest --output-on-failure

test-asan: asan
	cd $(ASAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --output-on-failure

# Replay every fuzz corpus and regression input, then fuzz each target briefly.
fuzz-smoke: fuzz
	tests/fuzz-smoke.sh $(FUZZ) $(FUZZ_SECONDS)

check: test test-asan fuzz-smoke

bench: build
	bench/sbom-bench.sh
	bench/db-bench.sh $(BUILD)/moat
	MOAT=$(BUILD)/moat bench/secret-bench.sh
	MOAT=$(BUILD)/moat bench/scale-bench.sh

format:
	clang-format -i $$(git ls-files 'src/*.c' 'src/*.h' 'tests/*.c' 'fuzz/*.c')

clean:
	rm -rf $(BUILD) $(ASAN) $(FUZZ)
