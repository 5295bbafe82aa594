#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Time copy_tree_at() against `cp -a --reflink=auto` and `rsync -aHAX` copying a
# root filesystem tree. Prints every run and the median per tool.
#
#   bench/copy-bench.sh [SRC] [RUNS]        (CACHE=cold drops the page cache
#                                            before each run; needs root)
#
# Copies are kept until the end of the series and removed then: on an ext4
# without a journal, new inodes are slow to allocate for a few minutes after
# many deletions (ext4 skips "recently deleted" inodes one by one), which
# would otherwise make every run after the first pay for the previous rm.
set -eu

SRC=${1:-/var/tmp/sysc-proto/rootfs}
RUNS=${2:-5}
CACHE=${CACHE:-warm}
TOP=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /var/tmp/copy-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT INT TERM

${CC:-gcc} -std=gnu11 -O2 -D_GNU_SOURCE -I"$TOP/src" -o "$WORK/copy-bench" \
	"$TOP/bench/copy-bench.c" "$TOP/src/storage/copy-tree.c" "$TOP/src/util/log.c" \
	"$TOP/src/util/fileio.c"

tools="sysc cp"
command -v rsync >/dev/null && tools="$tools rsync"

now() { date +%s.%N; }

run() { # tool dst
	case $1 in
	sysc) "$WORK/copy-bench" "$SRC" "$2" >/dev/null ;;
	cp) cp -a --reflink=auto "$SRC" "$2" ;;
	rsync) rsync -aHAX "$SRC/" "$2/" ;;
	esac
}

order=$tools
for i in $(seq "$RUNS"); do
	# rotate the order: the first copy of a round tends to pay for earlier writeback
	order="${order#* } ${order%% *}"
	for t in $order; do
		sync
		[ "$CACHE" = cold ] && echo 3 >/proc/sys/vm/drop_caches
		a=$(now)
		run "$t" "$WORK/$t-$i"
		b=$(now)
		echo "$t $(echo "$b - $a" | bc)" | tee -a "$WORK/times"
	done
done

echo "median of $RUNS ($CACHE cache):"
for t in $tools; do
	printf '  %-6s %s s\n' "$t" "$(awk -v t="$t" '$1 == t { print $2 }' "$WORK/times" |
		sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')"
done
