#!/bin/sh
# splitbrain check on the hand-made histories of tests/histories, each against its known
# verdict (tests/histories/EXPECTED): the exit status, lines the output must contain, and
# for malformed input the exact FILE:LINE:COL line on stderr.
BIN=${1:-./splitbrain}
DIR=tests/histories
TMP=$(mktemp -d) || exit 1
trap 'rm -rf "$TMP"' EXIT
fail=0
n=0
last=""
while IFS= read -r line; do
    case "$line" in
    ''|'#'*) continue ;;
    '+ '*)
        want=${line#+ }
        if ! grep -qF -- "$want" "$TMP/out"; then
            echo "FAIL $last: output lacks: $want"; sed 's/^/    /' "$TMP/out"; fail=1
        fi ;;
    '= '*)
        want=${line#= }
        got=$(cat "$TMP/err")
        if [ "$got" != "$want" ]; then
            echo "FAIL $last: stderr"; echo "    want: $want"; echo "    got:  $got"; fail=1
        fi ;;
    *)
        set -f
        # shellcheck disable=SC2086
        set -- $line
        set +f
        want=$1; file=$2; shift 2
        last="$file $*"
        n=$((n + 1))
        "$BIN" check "$DIR/$file" "$@" >"$TMP/out" 2>"$TMP/err"
        rc=$?
        if [ "$rc" != "$want" ]; then
            echo "FAIL $last: exit $rc, want $want"; sed 's/^/    /' "$TMP/out" "$TMP/err"; fail=1
        fi ;;
    esac
done < "$DIR/EXPECTED"
# Each format is told apart without --format.
for f in reg_stale_read.log:jepsen-log edn_ok.edn:edn kv_append_ok.kv.edn:porcupine-kv \
         jsonl_text_ok.jsonl:jsonl; do
    "$BIN" check "$DIR/${f%%:*}" | head -n 1 | grep -qF ": ${f#*:} history" ||
        { echo "FAIL auto detection of ${f%%:*} as ${f#*:}"; fail=1; }
done
[ $fail -eq 0 ] && echo "check_histories: $n checks of $(ls "$DIR" "$DIR/bad" | grep -c '\.') histories: ok"
exit $fail
