#!/bin/bash
# The Debian package (debian/): dpkg-buildpackage builds it from a copy of
# the source tree, lintian finds no error in it, and in a fresh Debian
# container made by sysc (from the cached debian template, no network
# inside) `apt-get install ./sysc_*.deb` installs it with its dependencies,
# `sysc help` and `sysc-create -t busybox` work there, and `apt-get purge`
# leaves no file of the package behind but keeps the container made there.
. "$(dirname "$0")/lib.sh"
T_KEEP_CONTAINERS=1

PKG=$T_ROOT/pkg # the build: PKG/sysc (the copy of the tree), PKG/sysc_*.deb
DEB=""

# in the Debian container, as its root
in_c() {
	sysc-attach deb -- "$@"
}

test_build_package() {
	local t0=$SECONDS version
	mkdir -p "$PKG/sysc"
	# a copy of the tracked files, so dpkg-buildpackage leaves the tree alone
	(cd "$T_SRC" && git ls-files -z | xargs -0 cp --parents -t "$PKG/sysc")
	[[ -f $PKG/sysc/debian/rules ]] || t_die "no debian/rules in the copy"
	(cd "$PKG/sysc" && dpkg-buildpackage -us -uc -b) >"$PKG/build.log" 2>&1 ||
		t_die "dpkg-buildpackage failed: $(tail -n 20 "$PKG/build.log")"
	version=$(sed -n 's/^AC_INIT(\[sysc\], \[\([^]]*\)\].*/\1/p' "$T_SRC/configure.ac")
	[[ -f $PKG/sysc_${version}_amd64.deb ]] || t_die "no sysc_${version}_amd64.deb: $(ls "$PKG")"
	echo "# package built in $((SECONDS - t0)) s"
	# what make install installs, with the sysc-* names as symlinks to sysc
	dpkg-deb -c "$PKG/sysc_${version}_amd64.deb" >"$PKG/contents"
	local f
	for f in ./usr/bin/sysc ./usr/share/sysc/templates/sysc-debian ./usr/share/sysc/templates/sysc-busybox \
		./usr/share/sysc/hooks/bind-dir ./usr/share/man/man1/sysc-create.1.gz \
		./usr/share/man/man5/sysc.conf.5.gz ./usr/share/bash-completion/completions/sysc \
		./lib/systemd/system/sysc-autostart.service ./lib/systemd/system/lxcfs.service.d/sysc.conf \
		./etc/sysc/sysc.conf ./etc/sysc/default.conf \
		./usr/share/doc/sysc/README.Debian; do
		grep -q " $f\$" "$PKG/contents" || t_die "$f not in the package"
	done
	grep -q ' ./usr/bin/sysc-create -> sysc$' "$PKG/contents" || t_die "sysc-create is not a link to sysc"
	expect_eq "$(dpkg-deb -f "$PKG/sysc_${version}_amd64.deb" Recommends)" \
		"debootstrap, btrfs-progs, lvm2, thin-provisioning-tools, dnsmasq-base, nftables, lxcfs, uidmap, busybox-static" \
		Recommends
	dpkg-deb -f "$PKG/sysc_${version}_amd64.deb" Depends | grep -q 'libseccomp2' ||
		t_die "Depends not from shlibs: $(dpkg-deb -f "$PKG/sysc_${version}_amd64.deb" Depends)"
	dpkg-deb --ctrl-tarfile "$PKG/sysc_${version}_amd64.deb" | tar -xO ./conffiles >"$PKG/conffiles"
	grep -qx /etc/sysc/sysc.conf "$PKG/conffiles" || t_die "sysc.conf is not a conffile"
	# lintian: no error (warnings are listed)
	# (lintian exits non-zero on an error, or when it cannot check)
	lintian --allow-root "$PKG/sysc_${version}_amd64.deb" >"$PKG/lintian.out" 2>&1 ||
		t_die "lintian: $(cat "$PKG/lintian.out")"
	cat "$PKG/lintian.out"
	# the source tree is left as it was
	[[ ! -e $T_SRC/debian/sysc && ! -e $T_SRC/debian/files ]] || t_die "build products in the source tree"
}

test_install_run_purge() {
	local t0=$SECONDS deb root f
	deb=$(ls "$PKG"/sysc_*_amd64.deb 2>/dev/null | head -n 1) || true
	[[ -n $deb ]] || t_die "no package (test_build_package failed)"
	# a fresh Debian 12, privileged (dpkg inside chowns and writes as root)
	printf 'security = { privileged = true; };\n' >"$T_ROOT/priv.conf"
	sysc-create deb -t debian -f "$T_ROOT/priv.conf" >"$T_ROOT/create.log" 2>&1 ||
		t_die "$(tail -n 5 "$T_ROOT/create.log")"
	root=$SYSC_PATH/deb/rootfs
	[[ ! -e $root/usr/bin/sysc ]] || t_die "sysc already in the fresh container"
	# No network inside: a local apt repository with exactly the packages
	# that `apt-get install ./sysc.deb busybox-static` needs on top of this
	# rootfs (resolved here against its dpkg status, fetched from the
	# host's apt mirror).
	mkdir -p "$root/root/local"
	cp "$deb" "$root/root/"
	# what of the package's paths the rootfs has already (/usr/bin, ...)
	dpkg-deb -c "$deb" | awk '{ print substr($6, 2) }' | sed 's|/$||; s|^$|/.|' | while read -r f; do
		[[ ! -e $root$f && ! -L $root$f ]] || echo "$f"
	done >"$T_ROOT/before"
	apt-get -s -o Dir::State::status="$root/var/lib/dpkg/status" install --no-install-recommends \
		"$deb" busybox-static >"$T_ROOT/sim.out" 2>&1 || t_die "apt-get -s: $(tail -n 5 "$T_ROOT/sim.out")"
	local need
	need=$(awk '/^Inst / && $2 != "sysc" { print $2 }' "$T_ROOT/sim.out")
	echo "# dependencies missing in the container: $(echo $need)"
	grep -qx busybox-static <<<"$need" || t_die "busybox-static not resolved: $(cat "$T_ROOT/sim.out")"
	(cd "$root/root/local" && apt-get download $need) >"$T_ROOT/dl.out" 2>&1 ||
		t_die "apt-get download: $(tail -n 5 "$T_ROOT/dl.out")"
	(cd "$root/root/local" && dpkg-scanpackages . /dev/null >Packages) 2>/dev/null
	echo 'deb [trusted=yes] file:/root/local ./' >"$root/root/local.list"
	mkdir -p "$root/root/local.d"
	local apt=(apt-get -o Dir::Etc::SourceList=/root/local.list -o Dir::Etc::SourceParts=/root/local.d
		-o APT::Sandbox::User=root)

	sysc-start deb
	wait_running deb
	in_c "${apt[@]}" update >"$T_ROOT/update.out" 2>&1 || t_die "apt-get update: $(cat "$T_ROOT/update.out")"
	in_c env DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y --no-install-recommends \
		"/root/$(basename "$deb")" busybox-static >"$T_ROOT/install.out" 2>&1 ||
		t_die "apt-get install: $(tail -n 20 "$T_ROOT/install.out")"
	echo "# installed in the container in $((SECONDS - t0)) s"

	# it runs: help, a busybox container in the container's own store
	in_c sysc help >"$T_ROOT/help.out" 2>&1 || t_die "sysc help: $(cat "$T_ROOT/help.out")"
	grep -q '^  create ' "$T_ROOT/help.out" || t_die "sysc help: $(head -n 5 "$T_ROOT/help.out")"
	in_c sysc-create bb -t busybox >"$T_ROOT/bb.out" 2>&1 || t_die "sysc-create -t busybox: $(cat "$T_ROOT/bb.out")"
	[[ $(in_c sysc-ls --format json) == *'"name":"bb"'* ]] || t_die "sysc-ls: $(in_c sysc-ls 2>&1)"
	[[ -x $root/var/lib/sysc/bb/rootfs/bin/busybox || -L $root/var/lib/sysc/bb/rootfs/bin/sh ]] ||
		t_die "no busybox rootfs in the container's store"
	in_c man -w sysc-create >/dev/null 2>&1 || [[ -f $root/usr/share/man/man1/sysc-create.1.gz ]] ||
		t_die "no man page"
	[[ -L $root/etc/systemd/system/multi-user.target.wants/sysc-autostart.service ]] ||
		t_die "sysc-autostart.service not enabled"
	# a change of the user's to a conffile
	echo '# mine' >>"$root/etc/sysc/default.conf"

	# purge: no file of the package is left, the user's container is
	in_c dpkg -L sysc >"$T_ROOT/files"
	[[ $(wc -l <"$T_ROOT/files") -gt 50 ]] || t_die "dpkg -L sysc: $(cat "$T_ROOT/files")"
	in_c env DEBIAN_FRONTEND=noninteractive apt-get purge -y sysc >"$T_ROOT/purge.out" 2>&1 ||
		t_die "apt-get purge: $(tail -n 20 "$T_ROOT/purge.out")"
	local left=""
	while read -r f; do
		[[ -e $root$f || -L $root$f ]] || continue
		# (a directory that was there before, /usr/bin, ..., stays)
		grep -qxF -- "$f" "$T_ROOT/before" && continue
		left+="$f "
	done <"$T_ROOT/files"
	[[ -z $left ]] || t_die "left after purge: $left"
	for f in /etc/sysc /usr/share/sysc /usr/share/doc/sysc \
		/etc/systemd/system/multi-user.target.wants/sysc-autostart.service; do
		[[ ! -e $root$f && ! -L $root$f ]] || t_die "$f left after purge: $(ls -la "$root$f")"
	done
	[[ -f $root/var/lib/sysc/bb/config ]] || t_die "the container bb did not survive the purge"
	[[ -e $root/var/lib/sysc/bb/rootfs/bin/busybox ]] || t_die "bb's rootfs did not survive the purge"
	# and a reinstall finds it again
	in_c dpkg -i "/root/$(basename "$deb")" >"$T_ROOT/reinstall.out" 2>&1 ||
		t_die "dpkg -i: $(tail -n 5 "$T_ROOT/reinstall.out")"
	[[ $(in_c sysc-ls --format json) == *'"name":"bb"'* ]] || t_die "bb not listed after reinstall"
	in_c sysc-destroy bb
	in_c dpkg --purge sysc >/dev/null
	echo "# install, run, purge, reinstall: $((SECONDS - t0)) s"
	sysc-stop deb
	sysc-destroy deb
	expect_clean
}

for c in dpkg-buildpackage lintian dpkg-scanpackages; do
	command -v "$c" >/dev/null || {
		echo "FAIL: setup: $c not installed (tests/setup installs dpkg-dev, debhelper and lintian)"
		exit 1
	}
done
git -C "$T_SRC" rev-parse --git-dir >/dev/null 2>&1 || {
	echo "FAIL: setup: $T_SRC is not a git checkout (the package is built from its tracked files)"
	exit 1
}
t_run test_build_package
t_run test_install_run_purge
t_summary
