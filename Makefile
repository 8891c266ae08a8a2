# splitbrain — one non-recursive Makefile (../shared/STYLE.md).
#
#   make            build ./splitbrain
#   make run        build and run the guided tour scenario
#   make test       lint, format check, unit + scenario tests, then again under ASan+UBSan
#   make bench      engine throughput benchmarks
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
	-fno-common -Werror \
	-Wno-format-truncation  # bounded display strings truncate on purpose
ifeq ($(SAN),1)
OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
else
OPT := -O2 -g
endif
CPPFLAGS += -D_POSIX_C_SOURCE=200809L -DSPLITBRAIN_VERSION='"$(VERSION)"' -MMD -MP
CFLAGS ?=
ALL_CFLAGS = $(WARN) $(OPT) $(CFLAGS)
CORE_CFLAGS = $(ALL_CFLAGS) -Wconversion -Wsign-conversion

# Recursively expanded: evaluated when a recipe runs, after the deps check.
UI_CFLAGS = $(shell pkg-config --cflags ncursesw libuv)
UI_LIBS = $(shell pkg-config --libs ncursesw libuv) -lm
TEST_CFLAGS = $(shell pkg-config --cflags cmocka)
TEST_LIBS = $(shell pkg-config --libs cmocka)

CORE_SRC := $(wildcard engine/*.c lessons/*.c)
UI_SRC := $(wildcard tui/*.c)
TEST_SRC := $(wildcard tests/test_*.c)
BENCH_SRC := $(wildcard tests/bench/*.c)
SOURCES := $(CORE_SRC) $(UI_SRC) $(TEST_SRC) $(BENCH_SRC) $(wildcard engine/*.h lessons/*.h tui/*.h tests/*.h)

CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/%.o)
UI_OBJ := $(UI_SRC:%.c=$(BUILD)/%.o)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
BENCH_BIN := $(BENCH_SRC:tests/bench/%.c=$(BUILD)/bench/%)
LIB := $(BUILD)/libsplitbrain.a
BIN := $(BUILD)/splitbrain

.PHONY: render-golden all run test check suites scenarios tui-smoke tui-lesson mutations bench lint format format-check install clean deps deps-test soak man-keys exports
.DEFAULT_GOAL := all

all: $(BIN)
ifeq ($(BUILD),build)
all: splitbrain
splitbrain: $(BIN)
	@cp $(BIN) $@
endif

$(BUILD)/.deps:
	@mkdir -p $(BUILD)
	@tools/deps.sh build
	@touch $@

$(BUILD)/.deps-test:
	@mkdir -p $(BUILD)
	@tools/deps.sh test
	@touch $@

deps: $(BUILD)/.deps
deps-test: $(BUILD)/.deps-test

$(BUILD)/engine/%.o $(BUILD)/lessons/%.o: CFLAGS_FOR = $(CORE_CFLAGS)
$(BUILD)/tui/%.o: CFLAGS_FOR = $(ALL_CFLAGS) $(UI_CFLAGS)
$(BUILD)/tests/%.o $(BUILD)/tests/bench/%.o: CFLAGS_FOR = $(ALL_CFLAGS) $(TEST_CFLAGS)

$(BUILD)/%.o: %.c | $(BUILD)/.deps
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
RENDER_OBJ := $(BUILD)/tui/grid.o $(BUILD)/tui/draw.o $(BUILD)/tui/keys.o $(BUILD)/tui/timeline.o
$(BUILD)/tests/test_render: $(BUILD)/tests/test_render.o $(RENDER_OBJ) $(LIB) | $(BUILD)/.deps-test
	@[ "$(V)" = 1 ] || echo "  LD    $@"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(RENDER_OBJ) $(LIB) $(TEST_LIBS)

$(BUILD)/bench/bench_render: $(BUILD)/tests/bench/bench_render.o $(RENDER_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  LD    $@"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(RENDER_OBJ) $(LIB)

# Rewrites tests/render/*.txt from the current drawing code: run it on purpose, then review the diff.
render-golden: $(BUILD)/tests/test_render
	SPLITBRAIN_UPDATE_GOLDEN=1 $(BUILD)/tests/test_render

$(BUILD)/bench/%: $(BUILD)/tests/bench/%.o $(LIB)
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  LD    $@"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB)

# The sandbox on a terminal; the guided tour scenario, headless, anywhere else.
run: $(BIN)
	@if [ -t 0 ] && [ -t 1 ]; then $(BIN) sandbox; else $(BIN) run assets/scenarios/tour.scn; fi

# The unit suites, the scenario tests, the sandbox and a lesson driven through tmux and the
# checkers' mutation tests, in this build.
check: suites scenarios tui-smoke tui-lesson mutations man-keys exports

suites: $(TEST_BIN)
	@fail=0; for t in $(TEST_BIN); do \
		echo "== $$t"; \
		SPLITBRAIN_SCENARIOS=tests/scenarios $$t || fail=1; \
	done; exit $$fail

scenarios: $(BIN)
	@tests/run_scenarios.sh $(BIN)

# Safe settings must break nothing over this many explored seeds (fewer under sanitizers).
EXPLORE_SEEDS ?= 3000
mutations: $(BIN)
	@echo "== tests/explore_mutations.sh"
	@tests/explore_mutations.sh $(BIN) $(EXPLORE_SEEDS)

# The export formats as ShiViz, XML and JSON readers see them.
exports: $(BIN)
	@tests/export_check.sh $(BIN)

# Every key of the key table is in the man page.
man-keys:
	@tests/man_keys.sh

tui-smoke: $(BIN)
	@echo "== tests/tui_smoke.sh"
	@tests/tui_smoke.sh $(BIN); rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 77 ]

tui-lesson: $(BIN)
	@echo "== tests/tui_lesson.sh"
	@tests/tui_lesson.sh $(BIN); rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 77 ]

test: deps-test lint format-check
	@$(MAKE) --no-print-directory check
	@echo "== again under AddressSanitizer + UndefinedBehaviorSanitizer"
	@$(MAKE) --no-print-directory BUILD=$(BUILD)-san SAN=1 EXPLORE_SEEDS=300 check

# Property runs over many more seeds than `make test` affords (tests/prop.h), then the
# explore mutation rows with SOAK_EXPLORE_SEEDS seeds per safe setting.
SOAK_SEEDS ?= 5000
SOAK_EXPLORE_SEEDS ?= 100000
soak: $(TEST_BIN) $(BIN)
	@for t in $(TEST_BIN); do echo "== $$t"; SPLITBRAIN_SEEDS=$(SOAK_SEEDS) $$t || exit 1; done
	@echo "== tests/explore_mutations.sh, $(SOAK_EXPLORE_SEEDS) seeds per safe setting"
	@tests/explore_mutations.sh $(BIN) $(SOAK_EXPLORE_SEEDS)

bench: $(BENCH_BIN) $(BIN)
	@for b in $(BENCH_BIN); do $$b; done
	@tests/bench/bench_idle.sh $(BIN) 5
	@echo "explore: seeds per second, 5 nodes, 100 ops, default faults, 1000 seeds, every core"
	@for m in leader multi leaderless; do printf '  %-11s ' $$m; \
		$(BIN) explore --model $$m --seeds 1000 --keep 0 | tail -n 1 | sed 's/.*(\(.*\) seeds.s.*/\1 seeds\/s/'; done

# The engine and lessons must stay deterministic and terminal-free.
lint:
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
	rm -rf $(BUILD) $(BUILD)-san splitbrain

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
