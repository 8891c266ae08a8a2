#!/bin/sh
# The key table (tui/keys.c) is the one source of the sandbox's keys; the
# man page's Keys section must name every key in it. Prints one line per
# missing key and "man keys: N passed, M failed".
set -u
man=assets/splitbrain.1
keys=$(sed -n '/^\.SS Keys/,/^\.SS /p' "$man" | grep '^\.B "' | sed 's/^\.B "//; s/"$//; s/\\-/-/g')
pass=0
fail=0
for label in $(sed -n 's/^    {{[^}]*}, "\([^"]*\)", "[^"]*".*/\1/p' tui/keys.c | tr ' ' '\n' | sort -u); do
    if printf '%s\n' "$keys" | tr ' ' '\n' | grep -qxF -- "$label"; then
        pass=$((pass + 1))
    else
        echo "FAIL the man page's Keys section lacks '$label' (tui/keys.c has it)"
        fail=$((fail + 1))
    fi
done
echo "man keys: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
