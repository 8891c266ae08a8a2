#!/bin/sh
# make bench: what `splitbrain compare` costs against a single run of the same scenario.
# The models differ in cost (multi-leader sends far more messages than a single leader), so a
# single run is the mean over the three models of `splitbrain run` on the file with a `model`
# line put in front. Both print everything (the table, the summary and its checkers). CPU time,
# user + system, over REPS runs each; the budget is 3.3x (three runs, and 10% for the rest).
set -u
bin=${1:?usage: bench_compare.sh BINARY [REPS]}
reps=${2:-5}
exec python3 - "$bin" "$reps" assets/scenarios/compare/*.scn tests/bench/compare_heavy.scn <<'PY'
import os, subprocess, sys, tempfile
binary, reps, files = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
models = ["leader", "multi", "leaderless"]
budget = 3.3

def cpu(cmd):
    t0 = os.times()
    for _ in range(reps):
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t1 = os.times()
    return ((t1.children_user - t0.children_user) + (t1.children_system - t0.children_system)) / reps

print("compare: CPU per run, compare (3 models) against the mean single run, %d runs each (budget %.1fx)" % (reps, budget))
status = 0
with tempfile.TemporaryDirectory() as tmp:
    for f in files:
        text = open(f).read()
        single = []
        for m in models:
            path = os.path.join(tmp, m + ".scn")
            with open(path, "w") as out:
                out.write("model %s\n%s" % (m, text))
            single.append(cpu([binary, "run", path]))
        one = max(sum(single) / len(single), 1e-3)
        both = cpu([binary, "compare", f])
        ratio = both / one
        verdict = "ok" if ratio <= budget else "OVER"
        if one < 0.02:
            verdict = "(too short to judge)"
            ratio = 0.0
        if verdict == "OVER":
            status = 1
        print("  %-26s run %7.1f ms (%s)  compare %7.1f ms  %.2fx  %s" % (
            os.path.basename(f), one * 1000,
            " ".join("%.0f" % (s * 1000) for s in single), both * 1000, ratio, verdict))
sys.exit(status)
PY
