#!/bin/bash
# SPDX-License-Identifier: MIT
# speed-table.sh BENCH_OUTPUT [README]
#
# Turn one `make bench` output (bench/run-bench.sh writes it to
# build/bench.txt) into the markdown of README.md's Speed table: one row per
# FIGURE line (see bench/lib.bash for the format), grouped by the first part
# of its key in the order of RANK below (issue 11's headline figures first),
# other keys after them, each group in the order printed,
# headed by the run's date, commit and machine (its BENCH lines), followed
# by the benches that failed, were skipped or printed no figure.  With
# README, the text between the lines "<!-- speed:begin -->" and
# "<!-- speed:end -->" is replaced by it (the markers stay); without, it is
# printed.  So the README quotes no figure that was not in that one output.
#
# Fails (status 1, README untouched) when the output has no date or commit,
# no figure, a malformed FIGURE line or a key twice, or when README lacks
# the markers, in that order, exactly once each.
set -u
[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: speed-table.sh BENCH_OUTPUT [README]" >&2; exit 2; }
in="$1"
readme="${2:-}"
[ -r "$in" ] || { echo "speed-table: cannot read $in" >&2; exit 1; }

RANK="log nginx kernel run shim addr event policy"

table=$(awk -F'\t' -v rank="$RANK" '
BEGIN { ngroups = split(rank, order_of, " "); for (i = 1; i <= ngroups; i++) grank[order_of[i]] = i }
function fail(msg) { print "speed-table: " FILENAME ":" FNR ": " msg > "/dev/stderr"; bad = 1; exit 1 }
# a table cell: a "|" would end it
function cell(s) { gsub(/\\\|/, "|", s); gsub(/\|/, "\\|", s); return s }
$1 == "BENCH" && $2 == "date" { date = $3 }
$1 == "BENCH" && $2 == "commit" { commit = $3 }
$1 == "BENCH" && $2 == "machine" { machine = $3 }
$1 == "BENCH" && $2 == "start" { cur = $3; order[++nb] = cur; figs[cur] = 0 }
$1 == "BENCH" && $2 == "failed" { failed = failed (failed ? ", " : "") "`" $3 "` (" $4 ")" }
$1 == "BENCH" && $2 == "skipped" { skipped = skipped (skipped ? ", " : "") "`" $3 "` (" $4 ")"; figs[$3] = -1 }
$1 == "FIGURE" {
	if (NF != 6) fail("a FIGURE line has " NF " fields, not 6")
	if ($2 !~ /^[a-z0-9.-]+$/) fail("bad FIGURE key \"" $2 "\"")
	if ($2 in seen) fail("FIGURE key \"" $2 "\" twice")
	if ($3 == "" || $4 == "") fail("FIGURE " $2 " without what or measured")
	if ($6 != "" && $6 != "met" && $6 != "missed") fail("FIGURE " $2 ": verdict \"" $6 "\"")
	seen[$2] = 1
	t = $5
	if ($6 == "missed") t = t " (**missed**)"
	split($2, part, ".")
	g = part[1] in grank ? grank[part[1]] : ngroups + 1
	rows[g, ++count[g]] = "| " cell($3) " | " cell($4) " | " cell(t) " |"
	n++
	if (cur != "") figs[cur]++
}
END {
	if (bad) exit 1
	if (date == "" || commit == "") { print "speed-table: " FILENAME ": no BENCH date or commit line" > "/dev/stderr"; exit 1 }
	if (n == 0) { print "speed-table: " FILENAME ": no FIGURE line" > "/dev/stderr"; exit 1 }
	for (i = 1; i <= nb; i++)
		if (figs[order[i]] == 0) silent = silent (silent ? ", " : "") "`" order[i] "`"
	print "One `make bench` run on " date ", commit " commit (machine ? ", on " machine : "") ":"
	print ""
	print "| what | measured | target |"
	print "|---|---|---|"
	for (g = 1; g <= ngroups + 1; g++)
		for (i = 1; i <= count[g]; i++) print rows[g, i]
	if (failed != "" || skipped != "" || silent != "") print ""
	if (failed != "") print "Failed in this run (figures missing or partial): " failed "."
	if (skipped != "") print "Skipped in this run: " skipped "."
	if (silent != "") print "Printed no figure for this table: " silent "."
}' "$in") || exit 1

if [ -z "$readme" ]; then
	printf '%s\n' "$table"
	exit 0
fi
begin='<!-- speed:begin -->' end='<!-- speed:end -->'
if [ "$(grep -cxF "$begin" "$readme")" != 1 ] || [ "$(grep -cxF "$end" "$readme")" != 1 ] ||
   [ "$(grep -nxF "$begin" "$readme" | cut -d: -f1)" -gt "$(grep -nxF "$end" "$readme" | cut -d: -f1)" ]; then
	echo "speed-table: $readme needs one '$begin' line, then one '$end' line" >&2
	exit 1
fi
new=$(mktemp "$readme.XXXXXX") || exit 1
TABLE="$table" awk -v b="$begin" -v e="$end" '
	$0 == b { print; print ENVIRON["TABLE"]; skip = 1; next }
	$0 == e { skip = 0 }
	!skip' "$readme" >"$new" && chmod --reference="$readme" "$new" && mv "$new" "$readme" ||
	{ rm -f "$new"; exit 1; }
