#!/bin/sh
# The command line as a Debian user meets it, checked against the one table
# of sub-commands (tui/cli/commands.c, read back through --help):
#   - every sub-command takes -h and --help: its help on standard output, exit 0;
#     -V and --version print the version; a mistyped option or command is
#     named with a "did you mean" and exits 2;
#   - the man page's SYNOPSIS shows every sub-command with every option it
#     takes, and its COMMANDS section describes each of them;
#   - writes that fail are reported: run, explore, params, models and lint
#     into /dev/full exit 2; explore --out into a missing folder fails before
#     the first seed.
# Prints one line per failure and "cli: N passed, M failed".
#
#   tests/cli_conventions.sh BUILD/splitbrain
set -u
bin=${1:?usage: cli_conventions.sh SPLITBRAIN}
man=assets/splitbrain.1
pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }

# The roff spelling of an option: --no-mouse is \-\-no\-mouse.
roff() { printf '%s' "$1" | sed 's/-/\\-/g'; }

# The SYNOPSIS entries (.SY splitbrain to .YS) whose first word is the command.
synopsis_of() {
    sed -n '/^\.SH SYNOPSIS/,/^\.SH /p' "$man" | awk -v c="$1" '
        /^\.SY/ { inblock = 1; first = 1; buf = ""; next }
        /^\.YS/ { if (mine) printf "%s", buf; inblock = 0; mine = 0; next }
        inblock && first && /^\.B/ { first = 0; mine = ($2 == c || $2 == "\"" c) }
        inblock { buf = buf $0 "\n" }'
}
commands_section=$(sed -n '/^\.SH COMMANDS/,/^\.SH /p' "$man")

cmds=$("$bin" --help | sed -n '/^Commands:/,/^$/p' | grep -E '^  [a-z]' | awk '{print $1}')
[ -n "$cmds" ] && ok || bad "splitbrain --help lists no commands"
for c in $cmds; do
    for h in -h --help; do
        if "$bin" "$c" "$h" >"$tmp/out" 2>"$tmp/err" && [ -s "$tmp/out" ] && [ ! -s "$tmp/err" ] &&
            grep -q "^usage: splitbrain $c" "$tmp/out"; then ok; else bad "splitbrain $c $h: not help on stdout with exit 0"; fi
    done
    syn=$(synopsis_of "$c")
    [ -n "$syn" ] && ok || bad "the man page's SYNOPSIS lacks '$c'"
    printf '%s\n' "$commands_section" | grep -qE "^\.(B|BI|BR) \"?$c( |\"|$)" && ok ||
        bad "the man page's COMMANDS section lacks an entry for '$c'"
    for o in $("$bin" "$c" --help | sed -n '/^Options:/,/^$/p' | grep -oE -- '--[a-z][a-z-]*' | sort -u); do
        [ "$o" = --help ] && continue
        r=$(roff "$o")
        printf '%s\n' "$syn" | grep -qF -- "$r" && ok || bad "the man page's SYNOPSIS of '$c' lacks $o"
        printf '%s\n' "$commands_section" | grep -qF -- "$r" && ok ||
            bad "the man page's COMMANDS section never mentions $o (of '$c')"
    done
done

# -V / --version, and the usage on a bare non-terminal call.
for v in -V --version; do
    "$bin" "$v" | grep -qE '^splitbrain [0-9]' && ok || bad "splitbrain $v"
done
"$bin" </dev/null >"$tmp/out" 2>"$tmp/err"
[ $? -eq 2 ] && grep -q '^usage:' "$tmp/err" && ok || bad "splitbrain off a terminal: usage on stderr, exit 2"

# Mistakes are named, with a suggestion, and exit 2.
expect_err() { # WANT-TEXT ARGS...
    want=$1
    shift
    "$bin" "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ $rc -eq 2 ] && grep -qF -- "$want" "$tmp/err"; then ok; else
        bad "splitbrain $*: exit $rc, stderr: $(head -c 200 "$tmp/err")"
    fi
}
expect_err "did you mean '--seed'?" run tour --sed 3
expect_err "did you mean 'run'?" rnu tour
expect_err "did you mean 'leader'?" params laeder
expect_err "did you mean 'leader'?" explore --model leder --seeds 1
expect_err "--seed needs a value" run tour --seed
expect_err "takes a whole number" run tour --seed=-1
expect_err "did you mean 'acks-one-loss'?" run acks-one-los

# Both spellings of a value.
a=$("$bin" run tour --seed 9 --quiet; echo "rc=$?")
b=$("$bin" run tour --seed=9 -q; echo "rc=$?")
[ "$a" = "$b" ] && printf '%s' "$a" | grep -q 'rc=0' && ok || bad "--seed 9 and --seed=9 differ"

# Failed writes are failures.
if [ -w /dev/full ]; then
    for args in "run tour" "run tour --trace -" "params" "models" "lint assets/scenarios/tour.scn" \
        "explore --seeds 3 --keep 0" "export tour --format jsonl" "run" "demo" "config"; do
        # shellcheck disable=SC2086
        "$bin" $args >/dev/full 2>"$tmp/err"
        rc=$?
        [ $rc -eq 2 ] && ok || bad "splitbrain $args > /dev/full: exit $rc, not 2"
    done
    "$bin" export tour --format svg --out /dev/full 2>/dev/null
    [ $? -eq 2 ] && ok || bad "export --out /dev/full: not exit 2"
    "$bin" run tour --trace /dev/full >/dev/null 2>&1
    [ $? -eq 2 ] && ok || bad "run --trace /dev/full: not exit 2"
fi
"$bin" explore --seeds 50 --out "$tmp/missing/dir" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 2 ] && [ ! -s "$tmp/out" ] && grep -q 'missing/dir' "$tmp/err"; then ok; else
    bad "explore --out a missing folder: exit $rc, or it ran seeds first"
fi

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
