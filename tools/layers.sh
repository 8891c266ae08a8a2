#!/bin/sh
# The shape of the house, checked (make lint): no file circles inside tui/ (tui/cli/ included),
# and no arrow up the layers (engine <- lessons <- tui: engine/ uses neither lessons/ nor tui/,
# lessons/ never uses tui/).
#
# A file is a module: its .c and .h together (tui/app.c and tui/app.h are "tui/app"). Module A
# uses module B when A's .c or .h includes B's header, or, given a build folder, when A's object
# calls a function (or reads a variable) B's object defines (nm) - which also catches a header
# that declares what another file defines. A circle among tui modules, or a use that goes up a
# layer, is printed and the script exits 1.
#
#   tools/layers.sh [BUILD]      BUILD: the build folder whose objects to read too (optional)
set -eu
cd "$(dirname "$0")/.."
build=${1:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Uses by #include "...": the path is resolved against the including file's folder.
for f in engine/*.[ch] lessons/*.[ch] tui/*.[ch] tui/cli/*.[ch]; do
    [ -f "$f" ] || continue
    sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f" |
        while read -r inc; do printf '%s %s/%s\n' "$f" "$(dirname "$f")" "$inc"; done
done | awk '
    function norm(p,    n, i, k, out, parts) {
        n = split(p, parts, "/")
        k = 0
        for (i = 1; i <= n; i++) {
            if (parts[i] == "." || parts[i] == "") continue
            if (parts[i] == ".." && k > 0) { k--; continue }
            out[++k] = parts[i]
        }
        p = out[1]
        for (i = 2; i <= k; i++) p = p "/" out[i]
        return p
    }
    function mod(p) { sub(/\.[ch]$/, "", p); return p }
    { print mod(norm($1)), mod(norm($2)), "includes" }
' >"$tmp/edges"

# Uses by call: each undefined symbol of an object, to the object that defines it.
if [ -n "$build" ]; then
    for o in "$build"/engine/*.o "$build"/lessons/*.o "$build"/tui/*.o "$build"/tui/cli/*.o; do
        m=${o#"$build"/}
        [ -f "$o" ] && [ -f "${m%.o}.c" ] || continue # not a stale object of a removed file
        nm "$o" 2>/dev/null | awk -v m="${m%.o}" '$1 == "U" { print "U", m, $2; next }
            NF == 3 && $2 ~ /^[TDBR]$/ { print "D", m, $3 }'
    done | awk '
        $1 == "D" { def[$3] = $2; next }
        { use[++n] = $2 " " $3 }
        END {
            for (i = 1; i <= n; i++) {
                split(use[i], u, " ")
                if (u[2] in def) print u[1], def[u[2]], "calls " u[2]
            }
        }' >>"$tmp/edges"
fi

awk '
    function layer(m) { return m ~ /^engine\// ? 0 : m ~ /^lessons\// ? 1 : 2 }
    # Depth-first search over tui modules; a grey node met again closes a circle.
    function visit(m,    i, t) {
        colour[m] = 1
        stack[++depth] = m
        for (i = 1; i <= nout[m]; i++) {
            t = out[m, i]
            if (colour[t] == 1) {
                line = t
                for (k = depth; k >= 1 && stack[k] != t; k--) line = stack[k] " -> " line
                print "layers: a circle in tui/: " t " -> " line
                bad = 1
            } else if (colour[t] == 0) {
                visit(t)
            }
        }
        depth--
        colour[m] = 2
    }
    $1 == $2 { next }
    {
        if (layer($2) > layer($1)) {
            print "layers: " $1 " uses " $2 " (" $3 (NF > 3 ? " " $4 : "") "): engine/ <- lessons/ <- tui/ only"
            bad = 1
        }
        if (layer($1) == 2 && layer($2) == 2 && !seen[$1, $2]++) {
            out[$1, ++nout[$1]] = $2
            mods[$1] = mods[$2] = 1
        }
    }
    END {
        for (m in mods) if (!colour[m]) visit(m)
        if (bad) exit 1
        print "layers: ok"
    }
' "$tmp/edges"
