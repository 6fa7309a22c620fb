# The two commands of README.md: `make run` and `make test`. Both install
# what is missing (Debian packages), configure and build; nothing else is
# needed on a fresh Debian 12 machine.
BUILD_DIR ?= build
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
# Build tools and libraries, all Debian packages.
DEPS := cmake g++ make libcli11-dev nlohmann-json3-dev libspdlog-dev doctest-dev pkg-config libsimdjson-dev libpcre2-dev python3 zsh \
  fish man-db groff-base dpkg-dev lintian

SWEEP := $(BUILD_DIR)/sweep
TRAIN := $(BUILD_DIR)/sweep-example-train

# What `make test` adds: the HTML report's browser test drives Debian's
# Chromium headless through chromedriver and python3-selenium.
BROWSER_DEPS := chromium chromium-driver python3-selenium

# What `make bench` adds: the anchors it compares against and GNU time.
BENCH_DEPS := parallel hyperfine time

# What `make fuzz` adds: clang, and for clang 14 (Debian 12's) the
# compiler-rt package that holds libFuzzer and its sanitizer runtimes.
FUZZ_DEPS := clang libclang-rt-14-dev
# Seconds each fuzz target runs (CI runs a short pass); FUZZ_TARGETS="a b"
# runs only those (names as in tests/fuzz/corpus/).
FUZZ_SECONDS ?= 60
# `make fuzz` builds the library with AddressSanitizer and
# UndefinedBehaviorSanitizer (any report fails the run) and libFuzzer's
# coverage instrumentation.
FUZZ_FLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

# `make asan`: every test, with the library, the CLI and the tests built
# under AddressSanitizer and UndefinedBehaviorSanitizer; any report fails.
ASAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# halt_on_error: the first report ends the test that made it; the leak
# check stays on (it runs when a process exits normally); a 16 MB quarantine
# (not 256) keeps the memory bounds of the tests meaningful.
ASAN_ENV := ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:quarantine_size_mb=16 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

.PHONY: all deps browser-deps bench-deps fuzz-deps build run test tsan asan fuzz install package bench soak clean format

all: build

deps:
	@$(MAKE) --no-print-directory install-packages PACKAGES="$(DEPS)"

browser-deps:
	@$(MAKE) --no-print-directory install-packages PACKAGES="$(BROWSER_DEPS)"

bench-deps:
	@$(MAKE) --no-print-directory install-packages PACKAGES="$(BENCH_DEPS)"

fuzz-deps:
	@$(MAKE) --no-print-directory install-packages PACKAGES="$(FUZZ_DEPS)"

.PHONY: install-packages
install-packages:
	@missing=""; for p in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" -ne 0 ]; then \
	    echo "sweep needs:$$missing"; \
	    echo "run: sudo apt-get update && sudo apt-get install -y --no-install-recommends$$missing"; \
	    exit 1; \
	  fi; \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(BUILD_DIR)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

build: deps $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j $(JOBS)

# `make run`: the example sweep as a first run should look (its records on
# stdout, the statistics), then where the results went and what to try next.
RUN_DIR := $(BUILD_DIR)/example-run
run: build
	rm -rf $(RUN_DIR)
	$(SWEEP) run -j 4 --run-dir $(RUN_DIR) configs/example.json -- $(TRAIN) --depth='<depth>' --impurity='<impurity>'
	$(SWEEP) report $(RUN_DIR) --metric accuracy:max
	@echo "make run: the sweep's definition, journal, result stream and each job's directory are in $(RUN_DIR)/;"
	@echo "next: $(SWEEP) report $(RUN_DIR) --metric accuracy:max --html report.html (a page to open in a browser), $(SWEEP) grid configs/example.json --describe, $(SWEEP) run --help"

test: build browser-deps
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

# The library's threaded code (evaluate, Pool, a report's shared reading)
# under ThreadSanitizer.
tsan: deps
	cmake -S . -B $(BUILD_DIR)-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_FLAGS="-fsanitize=thread" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=thread"
	cmake --build $(BUILD_DIR)-tsan -j $(JOBS) --target unit_tests
	TSAN_OPTIONS=halt_on_error=1 $(BUILD_DIR)-tsan/tests/unit_tests --test-suite=library

# Every ctest test under AddressSanitizer + UndefinedBehaviorSanitizer.
asan: deps
	cmake -S . -B $(BUILD_DIR)-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_FLAGS="$(ASAN_FLAGS)" -DCMAKE_C_FLAGS="$(ASAN_FLAGS)" \
	  -DCMAKE_EXE_LINKER_FLAGS="$(ASAN_FLAGS)" \
	  -DCMAKE_SHARED_LINKER_FLAGS="$(ASAN_FLAGS)"
	cmake --build $(BUILD_DIR)-asan -j $(JOBS)
	cd $(BUILD_DIR)-asan && $(ASAN_ENV) ctest --output-on-failure -j $(JOBS)

# The libFuzzer targets of tests/fuzz, built with clang, each run for
# FUZZ_SECONDS on a copy of its seed corpus; any finding fails.
fuzz: deps fuzz-deps
	cmake -S . -B $(BUILD_DIR)-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_COMPILER=clang++ -DSWEEP_FUZZ=ON -DSWEEP_BUILD_TESTS=OFF \
	  -DCMAKE_CXX_FLAGS="$(FUZZ_FLAGS)"
	cmake --build $(BUILD_DIR)-fuzz -j $(JOBS) --target fuzz_targets
	tests/fuzz/run.sh $(BUILD_DIR)-fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# Installs the CLI with its man pages and completions, the library, its
# headers, CMake package and pkg-config file.
PREFIX ?= /usr/local
install: build
	cmake --install $(BUILD_DIR) --prefix $(PREFIX)

# The Debian packages sweep_<version>_<arch>.deb (the CLI, man pages,
# completions) and sweep-dev_... (library, headers, CMake and pkg-config
# files), in $(BUILD_DIR)/; dpkg-shlibdeps (dpkg-dev) computes Depends.
package: build
	cd $(BUILD_DIR) && cpack -G DEB

# Never part of `make test`: takes a few minutes (BENCH_QUICK=1: seconds).
bench: build bench-deps
	BUILD_DIR=$(BUILD_DIR) bench/run.sh

# kill -9 of sweep then --resume, and SIGINT/SIGTERM, at random moments:
# `make test` runs 10 trials, this 200 (about four minutes). Prints a summary.
SOAK_TRIALS ?= 200
soak: build
	SWEEP_SOAK_TRIALS=$(SOAK_TRIALS) $(BUILD_DIR)/tests/e2e_tests --test-case='soak:*'

clean:
	rm -rf $(BUILD_DIR)

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp' '*.c')
