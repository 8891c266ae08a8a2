# splitbrain — one non-recursive Makefile (../shared/STYLE.md).
#
#   make            build ./splitbrain
#   make run        build and run the guided tour scenario
#   make test       lint, format check, unit + scenario tests, then again under ASan+UBSan
#   make trace-hashes  rewrite tests/trace_hashes.txt (the stored trace hashes) on purpose
#   make bench      engine throughput benchmarks
#   make fuzz       the libFuzzer targets, FUZZ_SECONDS each (clang; not part of make test)
#   make CC=clang test   the same gate built by clang
#   make install PREFIX=/usr/local
#   make lint | format | format-check | clean
#
# Everything is built under $(BUILD) (default build/), so several builds can
# share a checkout: make BUILD=/tmp/b test.

VERSION := 0.1.0
BUILD ?= build
PREFIX ?= /usr/local
CC ?= cc
SAN ?=
# make V=1 shows the full compiler lines.
V ?= 0
ifeq ($(V),1)
Q :=
else
Q := @
endif

WARN := -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wold-style-definition -Wpointer-arith -Wcast-qual \
	-Wwrite-strings -Wformat=2 -Wundef -Wvla -Wswitch-enum -Wimplicit-fallthrough \
	-fno-common -Werror
# gcc warns where a bounded display string may truncate, which they do on purpose; clang has no
# such warning (and rejects the option), so it is only turned off for gcc.
CC_IS_CLANG := $(shell $(CC) -dM -E -x c /dev/null 2>/dev/null | grep -q __clang__ && echo 1)
ifneq ($(CC_IS_CLANG),1)
WARN += -Wno-format-truncation
endif
ifeq ($(SAN),1)
OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
else ifeq ($(FUZZ),1)
# make fuzz's build: clang, libFuzzer's coverage on every object, ASan and UBSan.
OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=all
else
OPT := -O2 -g
endif
CPPFLAGS += -D_POSIX_C_SOURCE=200809L -DSPLITBRAIN_VERSION='"$(VERSION)"' -MMD -MP
# Where an installed copy looks for its course when nothing nearer has it (tui/datadir.h).
$(BUILD)/tui/datadir.o: CPPFLAGS += -DSPLITBRAIN_DATADIR='"$(PREFIX)/share/splitbrain"'
CFLAGS ?=
ALL_CFLAGS = $(WARN) $(OPT) $(CFLAGS)
CORE_CFLAGS = $(ALL_CFLAGS) -Wconversion -Wsign-conversion

# Recursively expanded: evaluated when a recipe runs, after the deps check.
UI_CFLAGS = $(shell pkg-config --cflags ncursesw libuv inih)
UI_LIBS = $(shell pkg-config --libs ncursesw libuv inih) -lm
TEST_CFLAGS = $(shell pkg-config --cflags cmocka)
TEST_LIBS = $(shell pkg-config --libs cmocka)

CORE_SRC := $(wildcard engine/*.c lessons/*.c)
UI_SRC := $(wildcard tui/*.c tui/cli/*.c)
TEST_SRC := $(wildcard tests/test_*.c)
BENCH_SRC := $(wildcard tests/bench/*.c)
FUZZ_SRC := $(wildcard tests/fuzz/*.c)
SOURCES := $(CORE_SRC) $(UI_SRC) $(TEST_SRC) $(BENCH_SRC) $(FUZZ_SRC) $(wildcard engine/*.h lessons/*.h tui/*.h tui/cli/*.h tests/*.h tests/fuzz/*.h)

CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/%.o)
UI_OBJ := $(UI_SRC:%.c=$(BUILD)/%.o)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
BENCH_BIN := $(BENCH_SRC:tests/bench/%.c=$(BUILD)/bench/%)
LIB := $(BUILD)/libsplitbrain.a
BIN := $(BUILD)/splitbrain

.PHONY: tui-check histories trace-check trace-hashes fuzz fuzz-run fuzz-regress render-golden all run test check suites scenarios tui-smoke tui-lesson tui-screen tui-compare tui-compare-lesson mutations bench lint format format-check install clean deps deps-test soak man-keys exports cli tui-installed
.DEFAULT_GOAL := all

all: $(BIN)
ifeq ($(BUILD),build)
all: splitbrain
splitbrain: $(BIN)
	@cp $(BIN) $@
endif

# The stamps follow tools/deps.sh, so a library added there is installed by the next make.
$(BUILD)/.deps: tools/deps.sh
	@mkdir -p $(BUILD)
	@tools/deps.sh build
	@touch $@

$(BUILD)/.deps-test: tools/deps.sh
	@mkdir -p $(BUILD)
	@tools/deps.sh test
	@touch $@

deps: $(BUILD)/.deps
deps-test: $(BUILD)/.deps-test

$(BUILD)/engine/%.o $(BUILD)/lessons/%.o: CFLAGS_FOR = $(CORE_CFLAGS)
$(BUILD)/tui/%.o: CFLAGS_FOR = $(ALL_CFLAGS) $(UI_CFLAGS)
$(BUILD)/tests/%.o $(BUILD)/tests/bench/%.o: CFLAGS_FOR = $(ALL_CFLAGS) $(TEST_CFLAGS)

# The compiler and its flags, written down: when they change (make CC=clang after a gcc build,
# say) every object is rebuilt rather than mixed with the other compiler's.
FLAGS_STAMP := $(BUILD)/.flags
FLAGS_NOW := $(CC) $(OPT) $(CFLAGS) $(CPPFLAGS)
$(shell mkdir -p $(BUILD); [ "$$(cat $(FLAGS_STAMP) 2>/dev/null)" = '$(FLAGS_NOW)' ] || \
	printf '%s\n' '$(FLAGS_NOW)' > $(FLAGS_STAMP))

$(BUILD)/%.o: %.c $(FLAGS_STAMP) | $(BUILD)/.deps
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  CC    $<"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS_FOR) -c $< -o $@

$(LIB): $(CORE_OBJ)
	@rm -f $@
	@[ "$(V)" = 1 ] || echo "  AR    $@"
	$(Q)ar rcs $@ $^

$(BIN): $(UI_OBJ) $(LIB)
	@[ "$(V)" = 1 ] || echo "  LD    $@"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $(UI_OBJ) $(LIB) $(UI_LIBS)

# Tests link the engine and lessons without ncurses or libuv, so a stray UI call fails to link.
$(BUILD)/tests/%: $(BUILD)/tests/%.o $(LIB) | $(BUILD)/.deps-test
	@[ "$(V)" = 1 ] || echo "  LD    $@"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB) $(TEST_LIBS)

# The render test draws frames into the project's grid: it links the drawing code, never curses or uv.
RENDER_OBJ := $(BUILD)/tui/grid.o $(BUILD)/tui/draw.o $(BUILD)/tui/keys.o $(BUILD)/tui/timeline.o \
	$(BUILD)/tui/compare_draw.o $(BUILD)/tui/theme.o
$(BUILD)/tests/test_render: $(BUILD)/tests/test_render.o $(RENDER_OBJ) $(LIB) | $(BUILD)/.deps-test
	@[ "$(V)" = 1 ] || echo "  LD    $@"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(RENDER_OBJ) $(LIB) $(TEST_LIBS)

$(BUILD)/tests/test_render_compare: $(BUILD)/tests/test_render_compare.o $(RENDER_OBJ) $(LIB) | $(BUILD)/.deps-test
	@[ "$(V)" = 1 ] || echo "  LD    $@"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(RENDER_OBJ) $(LIB) $(TEST_LIBS)

# The course at 80x24 draws every shipped lesson's pane the same way.
$(BUILD)/tests/test_course: $(BUILD)/tests/test_course.o $(RENDER_OBJ) $(LIB) | $(BUILD)/.deps-test
	@[ "$(V)" = 1 ] || echo "  LD    $@"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(RENDER_OBJ) $(LIB) $(TEST_LIBS)

# The command-line table's parser and the data path: plain C, no curses or uv either.
CLI_OBJ := $(BUILD)/tui/cli/cli.o $(BUILD)/tui/datadir.o
$(BUILD)/tests/test_cli: $(BUILD)/tests/test_cli.o $(CLI_OBJ) $(LIB) | $(BUILD)/.deps-test
	@[ "$(V)" = 1 ] || echo "  LD    $@"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(CLI_OBJ) $(LIB) $(TEST_LIBS)

# The settings file's reader: plain C and libinih.
$(BUILD)/tests/test_config: $(BUILD)/tests/test_config.o $(BUILD)/tui/config.o $(LIB) | $(BUILD)/.deps-test
	@[ "$(V)" = 1 ] || echo "  LD    $@"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/tui/config.o $(LIB) $(TEST_LIBS) $(shell pkg-config --libs inih)

$(BUILD)/bench/bench_render $(BUILD)/bench/bench_cast: $(BUILD)/bench/%: $(BUILD)/tests/bench/%.o $(RENDER_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  LD    $@"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(RENDER_OBJ) $(LIB)

# Rewrites tests/render/*.txt from the current drawing code: run it on purpose, then review the diff.
render-golden: $(BUILD)/tests/test_render $(BUILD)/tests/test_render_compare
	SPLITBRAIN_UPDATE_GOLDEN=1 $(BUILD)/tests/test_render
	SPLITBRAIN_UPDATE_GOLDEN=1 $(BUILD)/tests/test_render_compare

$(BUILD)/bench/%: $(BUILD)/tests/bench/%.o $(LIB)
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  LD    $@"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB)

# ---- fuzzing ----
# make fuzz [FUZZ_SECONDS=N]: each libFuzzer target for N seconds (clang, ASan, UBSan), seeded
# from the shipped files with tests/fuzz/splitbrain.dict. Not part of make test; a crash it
# finds goes under tests/fuzz/regress/TARGET/, which make test replays (fuzz-regress).
FUZZ_TARGETS := script lesson run config progress
FUZZ_SECONDS ?= 60
FUZZ_BIN := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz_%)
REPLAY_BIN := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/replay_%)

fuzz:
	@$(MAKE) --no-print-directory BUILD=$(BUILD)-fuzz CC=clang FUZZ=1 fuzz-run

fuzz-run: $(FUZZ_BIN)
	@tests/fuzz/run.sh $(BUILD)/fuzz $(FUZZ_SECONDS)

$(BUILD)/fuzz/fuzz_%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/tui/config.o $(LIB)
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  LD    $@"
	$(Q)$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer -o $@ $< $(BUILD)/tui/config.o $(LIB) $(shell pkg-config --libs inih)

$(BUILD)/fuzz/replay_%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/tests/fuzz/replay.o $(BUILD)/tui/config.o $(LIB)
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  LD    $@"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/tests/fuzz/replay.o $(BUILD)/tui/config.o $(LIB) $(shell pkg-config --libs inih)

# Kept, so make does not rebuild them after each run.
.SECONDARY: $(FUZZ_SRC:%.c=$(BUILD)/%.o)

# Every kept crash, and the seeds, through each target built without libFuzzer.
fuzz-regress: $(REPLAY_BIN)
	@echo "== fuzz regressions"
	@tests/fuzz/run.sh --replay $(BUILD)/fuzz

# The sandbox on a terminal; the guided tour scenario, headless, anywhere else.
run: $(BIN)
	@if [ -t 0 ] && [ -t 1 ]; then $(BIN) sandbox; else $(BIN) run assets/scenarios/tour.scn; fi

# The unit suites, the scenario tests, the sandbox and a lesson driven through tmux and the
# checkers' mutation tests, in this build.
check: suites scenarios trace-check tui-smoke tui-lesson tui-screen tui-compare tui-compare-lesson tui-installed tui-check mutations man-keys exports cli histories fuzz-regress

suites: $(TEST_BIN)
	@fail=0; for t in $(TEST_BIN); do \
		echo "== $$t"; \
		SPLITBRAIN_SCENARIOS=tests/scenarios $$t || fail=1; \
	done; exit $$fail

scenarios: $(BIN)
	@tests/run_scenarios.sh $(BIN)

# Every shipped scenario's trace, summary and explore's seed-for-seed results, against the
# stored hashes in tests/trace_hashes.txt.
trace-check: $(BIN)
	@tests/trace_hashes.sh $(BIN)

# Rewrites tests/trace_hashes.txt from the current engine: run it on purpose (a model that
# now behaves differently), then review the diff.
trace-hashes: $(BIN)
	@tests/trace_hashes.sh $(BIN) --update

# Safe settings must break nothing over this many explored seeds (fewer under sanitizers).
EXPLORE_SEEDS ?= 3000
mutations: $(BIN)
	@echo "== tests/explore_reuse.sh"
	@tests/explore_reuse.sh $(BIN)
	@echo "== tests/explore_mutations.sh"
	@tests/explore_mutations.sh $(BIN) $(EXPLORE_SEEDS)

# The export formats as ShiViz, XML and JSON readers see them.
exports: $(BIN)
	@tests/export_check.sh $(BIN)

# The command line's conventions, and the man page against the table of commands.
cli: $(BIN)
	@echo "== tests/cli_conventions.sh"
	@tests/cli_conventions.sh $(BIN)

# splitbrain check on the hand-made histories, each against its known verdict, and on every
# shipped scenario's JSON Lines against the run summary's verdict.
histories: $(BIN)
	@echo "== tests/check_histories.sh"
	@tests/check_histories.sh $(BIN)
	@tests/check_roundtrip.sh $(BIN)

# Every key of the key table is in the man page.
man-keys:
	@tests/man_keys.sh

tui-smoke: $(BIN)
	@echo "== tests/tui_smoke.sh"
	@tests/tui_smoke.sh $(BIN); rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 77 ]

tui-compare: $(BIN)
	@echo "== tests/tui_compare.sh"
	@tests/tui_compare.sh $(BIN); rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 77 ]

# The side-by-side lesson (lesson 17) walked with keys, one wrong action included.
tui-compare-lesson: $(BIN)
	@echo "== tests/tui_compare_lesson.sh"
	@tests/tui_compare_lesson.sh $(BIN); rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 77 ]

# make install into a folder of the build, then use that copy from / as a user would.
tui-installed: $(BIN)
	@echo "== tests/tui_installed.sh"
	@rm -rf $(BUILD)/installed
	@$(MAKE) --no-print-directory -s install PREFIX=$(abspath $(BUILD))/installed >/dev/null
	@tests/tui_installed.sh $(BUILD)/installed; rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 77 ]

tui-check: $(BIN)
	@echo "== tests/tui_check.sh"
	@tests/tui_check.sh $(BIN); rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 77 ]

tui-lesson: $(BIN)
	@echo "== tests/tui_lesson.sh"
	@tests/tui_lesson.sh $(BIN); rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 77 ]

# TERM=dumb, a demo advanced mid-beat, a partition drawn and healed, escape sequences, in tmux.
tui-screen: $(BIN)
	@echo "== tests/tui_screen.sh"
	@tests/tui_screen.sh $(BIN); rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 77 ]

test: deps-test lint format-check
	@$(MAKE) --no-print-directory check
	@echo "== again under AddressSanitizer + UndefinedBehaviorSanitizer"
	@$(MAKE) --no-print-directory BUILD=$(BUILD)-san SAN=1 EXPLORE_SEEDS=300 check

# Property runs over many more seeds than `make test` affords (tests/prop.h), then explore on
# the leader model's safe settings with pauses and partitions aimed at the leader (no row may
# break, and no seed may break an invariant: explore exits 2 when one aborts a run), then the
# explore mutation rows with SOAK_EXPLORE_SEEDS seeds per safe setting.
SOAK_SEEDS ?= 5000
SOAK_EXPLORE_SEEDS ?= 100000
soak: $(TEST_BIN) $(BIN)
	@for t in $(TEST_BIN); do echo "== $$t"; SPLITBRAIN_SEEDS=$(SOAK_SEEDS) $$t || exit 1; done
	@echo "== explore leader, $(SOAK_EXPLORE_SEEDS) seeds, safe settings, faults on the leader"
	@out=$$(mktemp); nice $(BIN) explore --model leader --seeds $(SOAK_EXPLORE_SEEDS) --keep 3 \
		--jobs 2 --faults pause,partition,kill,restart --leader-faults 70 --set acks=all \
		--set min_insync=3 --set lease=500ms --out $(BUILD) >$$out 2>&1; rc=$$?; cat $$out; \
		bad=$$(grep -E '^(linearizability|lost acknowledged writes|split brain|session guarantees|convergence) ' $$out \
			| awk '$$(NF-1) != 0'); rm -f $$out; [ $$rc -eq 0 ] && [ -z "$$bad" ]
	@echo "== tests/explore_mutations.sh, $(SOAK_EXPLORE_SEEDS) seeds per safe setting"
	@tests/explore_mutations.sh $(BIN) $(SOAK_EXPLORE_SEEDS)

# The benches one by one, then each performance goal beside its target (medians of 5 runs)
# and callgrind's instruction counts (tests/bench/goals.sh; the README quotes them).
bench: $(BENCH_BIN) $(BIN)
	@for b in $(BENCH_BIN); do $$b; done
	@tests/bench/bench_idle.sh $(BIN) 5
	@tests/bench/bench_compare.sh $(BIN) 5
	@echo "explore: seeds per second, 5 nodes, 100 ops, default faults, 1000 seeds, every core"
	@for m in leader multi leaderless; do printf '  %-11s ' $$m; \
		$(BIN) explore --model $$m --seeds 1000 --keep 0 | tail -n 1 | sed 's/.*(\(.*\) seeds.s.*/\1 seeds\/s/'; done
	@tests/bench/goals.sh $(BUILD) $(BIN)

# The engine and lessons must stay deterministic and terminal-free.
# The layers and rooms (tools/layers.sh): no circle of includes or calls among tui/ files, no
# use going up from engine/ or lessons/. It reads the objects' symbols too, so it builds them.
lint: $(CORE_OBJ) $(UI_OBJ)
	@tools/layers.sh $(BUILD)
	@tools/funclen.sh
	@bad=$$(for f in engine/*.[ch] lessons/*.[ch]; do [ -f "$$f" ] || continue; \
		sed -E 's#/\*([^*]|\*+[^*/])*\*+/##g; s#/\*.*##; s#"([^"\\]|\\.)*"#""#g' "$$f" \
		| grep -nE '(^|[^_[:alnum:]])(rand|srand|random|time|clock_gettime|gettimeofday|clock|sleep|usleep|nanosleep)[[:space:]]*\(' \
		| grep -vE '^[0-9]+:[[:space:]]*\*' | sed "s#^#$$f:#"; done); \
	inc=$$(grep -nE '#[[:space:]]*include[[:space:]]*[<"](n?curses|ncursesw/|uv)' engine/*.[ch] lessons/*.[ch] 2>/dev/null); \
	if [ -n "$$bad$$inc" ]; then \
		echo "lint: engine/ and lessons/ must not read the wall clock, call rand() or use curses/uv:"; \
		[ -n "$$bad" ] && echo "$$bad"; [ -n "$$inc" ] && echo "$$inc"; exit 1; \
	fi; echo "lint: ok"

format:
	clang-format -i $(SOURCES)

format-check: | $(BUILD)/.deps-test
	@clang-format --dry-run --Werror $(SOURCES) && echo "format: ok"

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/splitbrain
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/splitbrain
	install -m 644 assets/splitbrain.1 $(DESTDIR)$(PREFIX)/share/man/man1/splitbrain.1
	cp -R assets/scenarios $(DESTDIR)$(PREFIX)/share/splitbrain/
	@for d in lessons demos; do [ -d assets/$$d ] && cp -R assets/$$d $(DESTDIR)$(PREFIX)/share/splitbrain/ || true; done

clean:
	rm -rf $(BUILD) $(BUILD)-san $(BUILD)-fuzz build-clang splitbrain

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
