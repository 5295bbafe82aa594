#!/bin/bash
# The manual is complete: doc/man/sysc.conf.5 is what doc/gen-sysc-conf-5
# makes from the schema now (`make update-man` rewrites it), `sysc help KEY`
# answers for every key it lists, and every command of `sysc help` has a man
# page that is installed (Makefile.am) and linked from README.md.
set -uo pipefail
src=${top_srcdir:-.} build=${top_builddir:-.}
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
bad() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }

page=$("$build/doc/gen-sysc-conf-5") || { echo "not ok - doc/gen-sysc-conf-5 failed"; exit 1; }
if diff -u "$src/doc/man/sysc.conf.5" - <<<"$page" >/dev/null; then
	ok "doc/man/sysc.conf.5 is up to date with the schema"
else
	bad "doc/man/sysc.conf.5 differs from the schema's (run make update-man):"
	diff -u "$src/doc/man/sysc.conf.5" - <<<"$page" | head -n 20 | sed 's/^/# /'
fi

keys=$(sed -n '/^\.TP$/{n;s/^\.B //p}' <<<"$page" | sed 's/\\-/-/g')
[[ $(wc -l <<<"$keys") -gt 60 ]] && ok "sysc.conf.5 lists $(wc -l <<<"$keys") keys" || bad "sysc.conf.5 lists too few keys: $keys"
for k in $keys; do
	out=$("$build/sysc" help "$k" 2>&1)
	if [[ $? == 0 && $(head -n 1 <<<"$out") == "$k ("* ]]; then
		ok "sysc help $k"
	else
		bad "sysc help $k: $out"
	fi
done

cmds=$("$build/sysc" help | sed -n 's/^  \([a-z][a-z-]*\)  .*/\1/p' | grep -vx help)
[[ $(wc -w <<<"$cmds") -gt 15 ]] && ok "sysc help lists $(wc -w <<<"$cmds") commands" || bad "sysc help lists: $cmds"
for p in sysc $(sed 's/^/sysc-/' <<<"$cmds"); do
	f=doc/man/$p.1
	if [[ ! -f $src/$f ]]; then
		bad "$p has no man page $f"
		continue
	fi
	if so=$(sed -n 's/^\.so man1\///p' "$src/$f") && [[ -n $so ]]; then
		# a page that sources another (sysc-unfreeze: sysc-freeze's)
		[[ -f $src/doc/man/$so ]] && ok "$f: sources $so" || bad "$f: sources missing $so"
		grep -q "$p(1)" "$src/README.md" && ok "README.md links $p(1)" || bad "README.md does not link $p(1)"
		continue
	fi
	th=$(grep -m1 '^\.TH ' "$src/$f" | awk '{print $2, $3}')
	[[ $th == "$(tr a-z A-Z <<<"$p" | sed 's/-/\\-/g') 1" || $th == "$(tr a-z A-Z <<<"$p") 1" ]] &&
		ok "$f: .TH $th" || bad "$f: .TH is '$th'"
	grep -q "^.SH EXIT STATUS\|^\.SH EXIT" "$src/$f" && ok "$f: exit status" || bad "$f: no EXIT STATUS section"
	grep -q "$p(1)" "$src/README.md" && ok "README.md links $p(1)" || bad "README.md does not link $p(1)"
done
# every page is installed, and linked from the README
for f in "$src"/doc/man/*.[157]; do
	b=${f##*/}
	grep -q "doc/man/$b" "$src/Makefile.am" && ok "Makefile.am installs $b" || bad "Makefile.am does not install doc/man/$b"
	grep -q "${b%.*}(${b##*.})" "$src/README.md" && ok "README.md links ${b%.*}(${b##*.})" ||
		bad "README.md does not link ${b%.*}(${b##*.})"
done
echo "1..$n"
exit $((failed > 0))
