#!/bin/sh
# Valgrind memcheck for the test suite (-DMKVDSO_VALGRIND=ON, the third build
# of scripts/test.sh).  Every error fails: an invalid read or write, a jump
# on an uninitialised value, a bad free, and a leak (definite, indirect or
# possible: mkvdso frees everything it allocates, so a lost block is a bug).
#
#   valgrind.sh run LOG PROGRAM [ARG]...
#	exec PROGRAM under memcheck, in this process (the same PID, so a
#	test can stop, inspect and kill it); exit status 99 on an error.
#	LOG is "-" for stderr (a unit test: ctest shows it), or a folder that
#	gets one PID.log per process: the integration scripts compare
#	mkvdso's stderr, and some ignore its exit status.
#   valgrind.sh mkvdso LOG MKVDSO [ARG]...
#	the same for the mkvdso the integration scripts run as "$MKVDSO",
#	except "mkvdso dump": valgrind takes the vDSO away from the programs
#	it runs (it unmaps it and hides AT_SYSINFO_EHDR on every Linux but
#	ppc), so dump runs natively; ASan watches it in the sanitizer build.
#   valgrind.sh reset LOG	empty the folder before the tests
#   valgrind.sh check LOG	after them: fail, printing each report, if
#				any process reported an error
set -eu
mode=$1 log=$2
shift 2
case $mode in
mkvdso)
	# The command is the first word after MKVDSO that is not an option.
	first=1
	for arg; do
		[ $first = 1 ] && { first=0; continue; }
		case $arg in
		-*) ;;
		dump) exec "$@" ;;
		*) break ;;
		esac
	done
	;;
esac
case $mode in
run | mkvdso)
	if [ "$log" = - ]; then
		dest=-q
	else
		# Without -q the log names the command and ends with the summary.
		dest=--log-file=$log/%p.log
	fi
	exec valgrind --tool=memcheck "$dest" --error-exitcode=99 \
		--leak-check=full --show-leak-kinds=definite,indirect,possible \
		--errors-for-leak-kinds=definite,indirect,possible --track-origins=yes \
		--num-callers=30 "$@"
	;;
reset)
	rm -rf "$log"
	mkdir -p "$log"
	;;
check)
	[ -d "$log" ] || { echo "FAIL: $log does not exist" >&2; exit 1; }
	total=$(ls "$log" | wc -l)
	# A process killed on purpose (tests/integration/interrupt.sh) leaves a
	# log without a summary: only a counted error fails.
	bad=$(grep -l 'ERROR SUMMARY: [1-9]' "$log"/*.log 2>/dev/null || true)
	if [ -n "$bad" ]; then
		for f in $bad; do
			echo "=== $f" >&2
			cat "$f" >&2
		done
		echo "FAIL: $(echo "$bad" | wc -l) of $total mkvdso runs reported memcheck errors" >&2
		exit 1
	fi
	# Guards against a wrapper that never ran valgrind (a test that cannot fail).
	[ "$total" -gt 0 ] || { echo "FAIL: no valgrind log in $log" >&2; exit 1; }
	echo "$total mkvdso runs under valgrind, no error"
	;;
*)
	echo "usage: valgrind.sh run|mkvdso|reset|check LOG [PROGRAM [ARG]...]" >&2
	exit 64
	;;
esac
