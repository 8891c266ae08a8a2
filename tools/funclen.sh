#!/bin/sh
# Fails on a function longer than FUNCLEN_MAX lines (default 120) in engine/,
# lessons/ and tui/ without a reason written above it: the line before its
# signature must end a comment. The project's style puts the signature at
# column 0 and the body's braces on lines of their own, as clang-format lays
# them out, which is what this reads.
#
#   tools/funclen.sh [MAX]
set -u
max=${1:-${FUNCLEN_MAX:-120}}
cd "$(dirname "$0")/.." || exit 2
bad=$(for f in engine/*.c lessons/*.c tui/*.c tui/cli/*.c; do
	[ -f "$f" ] || continue
	awk -v max="$max" -v file="$f" '
		# A signature: starts at column 0 with a letter, not a declaration ending in ";".
		/^[A-Za-z_].*[(]/ && !/;[[:space:]]*$/ && !/^(typedef|struct [a-z_]+ *{|enum|static const|const|#)/ {
			if (!insig) { sigline = NR; above = prev }
			insig = 1
		}
		/^{$/ && insig { start = NR; insig = 0; next }
		/^}/ && start {
			len = NR - start - 1
			if (len > max && above !~ /\*\/[[:space:]]*$/)
				printf "%s:%d: %d lines, over %d, and no comment above it says why\n", file, sigline, len, max
			start = 0
		}
		{ if (!insig && !start) prev = $0; else if (insig && NR == sigline) {} }
		/^$/ && insig { insig = 0 }
	' "$f"
done)
if [ -n "$bad" ]; then
	echo "funclen: a function over $max lines needs a reason written above it:"
	echo "$bad"
	exit 1
fi
echo "funclen: ok"
