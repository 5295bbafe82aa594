#!/bin/bash
# Archives: sysc-export / sysc-import round trips (every kind of inode and
# metadata), pipes, booting imported containers (busybox, one Debian), the
# tarball template, hostile archives, and bad input.
. "$(dirname "$0")/lib.sh"

# A sentinel outside every target: hostile archives must not touch it.
OUTSIDE=$T_ROOT/outside
mkdir -p "$OUTSIDE"
echo keep >"$OUTSIDE/keep"
SHADOW_STAT=$(stat -c '%h %Y %s' /etc/shadow)

# figures, shown at the end (a test's own output is only shown on failure)
timing() {
	echo "# $*" >>"$T_ROOT/timings"
}

expect_outside_untouched() {
	expect_eq "$(ls -A "$OUTSIDE" | tr '\n' ' ')" "keep " "files outside the target"
	expect_eq "$(cat "$OUTSIDE/keep")" keep "sentinel contents"
	expect_eq "$(stat -c '%h %Y %s' /etc/shadow)" "$SHADOW_STAT" "/etc/shadow"
}

# One line per inode of a tree, everything a round trip must keep (atime
# aside): type, owner, mode, links, size, mtime (ns), allocated blocks and
# sha256 of files, symlink target, device numbers, every xattr.
# what an import under another name rewrites (a copy's identity)
ID_FILES='^etc/(hostname|hosts|machine-id) '

tree_list() {
	python3 - "$1" <<'EOF'
import hashlib, os, stat, sys
root = sys.argv[1]
out = []
for d, dirs, files in os.walk(root):
    names = dirs + files
    if d == root:
        names = [""] + names
    for n in names:
        p = os.path.join(d, n) if n else d
        st = os.lstat(p)
        rel = os.path.relpath(p, root)
        f = [rel, oct(stat.S_IFMT(st.st_mode)), str(st.st_uid), str(st.st_gid),
             oct(stat.S_IMODE(st.st_mode)), str(st.st_nlink), str(st.st_mtime_ns)]
        if stat.S_ISREG(st.st_mode):
            h = hashlib.sha256()
            with open(p, "rb") as fh:
                for b in iter(lambda: fh.read(1 << 20), b""):
                    h.update(b)
            # a file without holes is "full": how many blocks the filesystem
            # gives it beyond its size (extent tree blocks of a fragmented
            # large file) varies from copy to copy
            full = st.st_blocks * 512 >= st.st_size
            f += [str(st.st_size), "blocks=full" if full else "blocks=%d" % st.st_blocks, h.hexdigest()]
        if stat.S_ISLNK(st.st_mode):
            f.append("-> " + os.readlink(p))
        if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
            f.append("dev=%d:%d" % (os.major(st.st_rdev), os.minor(st.st_rdev)))
        try:
            for k in sorted(os.listxattr(p, follow_symlinks=False)):
                f.append("%s=%s" % (k, os.getxattr(p, k, follow_symlinks=False).hex()))
        except OSError:
            pass
        out.append(" ".join(f))
print("\n".join(sorted(out)))
EOF
}

# busybox container b1 plus every kind of inode and metadata under /x
make_rich_container() {
	sysc-create b1 -t busybox >/dev/null 2>&1
	local r=$SYSC_PATH/b1/rootfs
	mkdir -p "$r/x/sub"
	echo hello >"$r/x/file"
	chown 1234:5678 "$r/x/file"
	chmod 4755 "$r/x/file"
	setcap cap_net_raw+ep "$r/x/file"
	setfattr -n user.color -v blue "$r/x/file"
	setfattr -n trusted.secret -v s3 "$r/x/file"
	ln "$r/x/file" "$r/x/sub/hardlink"
	echo mode >"$r/x/g"
	chmod 2640 "$r/x/g"
	chown 0:42 "$r/x/g"
	setfacl -m u:99:rwx,g:98:r "$r/x/g"
	setfacl -m u:97:rx "$r/x/sub"
	setfacl -d -m u:96:r "$r/x/sub"
	ln -s ../file "$r/x/sub/rel-link"
	ln -s /etc/passwd "$r/x/abs-link"
	chown -h 7:8 "$r/x/abs-link"
	mkfifo -m 0620 "$r/x/fifo"
	mknod -m 0666 "$r/x/null" c 1 3
	mknod -m 0600 "$r/x/sda" b 8 0
	mknod -m 0600 "$r/x/ttyS9" c 4 73
	truncate -s 1G "$r/x/sparse"
	dd if=/dev/urandom of="$r/x/sparse" bs=4k count=2 seek=100000 conv=notrunc status=none
	echo tail >>"$r/x/sparse"
	truncate -s 100M "$r/x/all-hole"
	chmod 1777 "$r/x/sub"
	touch -h -d '2001-02-03 04:05:06.123456789' "$r/x/file" "$r/x/abs-link" "$r/x/sub"
	touch -d '1999-12-31 23:59:59.5' "$r/x"
	: >"$r/x/empty"
	python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$r/x/sock"
}

# export b1 -> import as $1 (extra import options after), compare the trees
expect_same_tree() {
	# sockets are not archived (tar has no type for them); under another
	# name the identity files are the copy's own
	tree_list "$SYSC_PATH/b1/rootfs" | grep -Ev "^x/sock |$ID_FILES" >"$T_ROOT/a.lst"
	tree_list "$SYSC_PATH/$1/rootfs" | grep -Ev "$ID_FILES" >"$T_ROOT/b.lst"
	diff "$T_ROOT/a.lst" "$T_ROOT/b.lst" >&2 || t_die "trees of b1 and $1 differ"
	# the check itself looked at what it must
	grep -q '^x/file .* 0o4755 2 .*security.capability=' "$T_ROOT/b.lst" || t_die "no capability"
	grep -q '^x/g .*system.posix_acl_access=' "$T_ROOT/b.lst" || t_die "no ACL"
	grep -q '^x/sub .*system.posix_acl_default=' "$T_ROOT/b.lst" || t_die "no default ACL"
	grep -q '^x/sparse 0o100000 .* 1073741829 blocks=\(8\|16\|24\|32\) ' "$T_ROOT/b.lst" ||
		t_die "sparse file not sparse: $(grep '^x/sparse' "$T_ROOT/b.lst")"
	grep -q '^x/all-hole .* 104857600 blocks=0 ' "$T_ROOT/b.lst" || t_die "all-hole file"
	grep -q '^x/sda 0o60000 .* dev=8:0' "$T_ROOT/b.lst" || t_die "block device"
	grep -q '^x/file .* 981173106123456789 ' "$T_ROOT/b.lst" || t_die "mtime ns"
}

test_round_trip_file() {
	make_rich_container
	local t0 t1
	for c in zstd xz gzip none; do
		t0=$(date +%s%N)
		sysc-export b1 "$T_ROOT/b1.$c" --compression "$c"
		t1=$(date +%s%N)
		timing "export busybox+extras ($c): $(((t1 - t0) / 1000000)) ms, $(stat -c %s "$T_ROOT/b1.$c") bytes"
	done
	sysc-export b1 "$T_ROOT/b1.tar" 2>"$T_ROOT/export.err"
	grep -q "rootfs/x/sock is a socket: not archived" "$T_ROOT/export.err" ||
		t_die "socket: $(cat "$T_ROOT/export.err")"
	file "$T_ROOT/b1.zstd" | grep -q 'Zstandard' || t_die "not zstd: $(file "$T_ROOT/b1.zstd")"
	file "$T_ROOT/b1.xz" | grep -q 'XZ' || t_die "not xz"
	file "$T_ROOT/b1.gzip" | grep -q 'gzip' || t_die "not gzip"
	file "$T_ROOT/b1.none" | grep -q 'tar archive' || t_die "not tar"
	# the default from the extension
	sysc-export b1 "$T_ROOT/b1.tar.xz"
	file "$T_ROOT/b1.tar.xz" | grep -q 'XZ' || t_die "extension .tar.xz not honoured"
	# owner-only: the archive holds /etc/shadow
	expect_eq "$(stat -c %a "$T_ROOT/b1.tar.xz")" 600 "archive mode"
	# the plain tar is a pax archive that other tools read
	tar -tf "$T_ROOT/b1.none" >"$T_ROOT/list" 2>/dev/null
	expect_eq "$(head -n 3 "$T_ROOT/list" | tr '\n' ' ')" "sysc-archive config rootfs/ " layout
	for c in zstd xz; do
		t0=$(date +%s%N)
		sysc-import "$T_ROOT/b1.$c" "i-$c" --devices all
		t1=$(date +%s%N)
		timing "import ($c): $(((t1 - t0) / 1000000)) ms"
		expect_same_tree "i-$c"
	done
	# a new identity, the rest of the config kept
	expect_eq "$(sysc-config i-zstd name)" i-zstd name
	expect_eq "$(cat "$SYSC_PATH/i-zstd/rootfs/etc/hostname")" i-zstd "/etc/hostname"
	expect_eq "$(cat "$SYSC_PATH/b1/rootfs/etc/hostname")" b1 "/etc/hostname of the original"
	[[ $(sysc-config i-zstd uuid) != "$(sysc-config b1 uuid)" ]] || t_die "uuid not renewed"
	expect_eq "$(sysc-config i-zstd init.halt_signal)" SIGUSR2 "config carried over"
	# without a NAME: the exported name (taken here)
	expect_fail 'container "b1" already exists' sysc-import "$T_ROOT/b1.gzip" --devices all
	expect_store "b1 i-xz i-zstd"
	expect_clean
}

test_round_trip_pipe() {
	make_rich_container
	sysc-export b1 - | sysc-import - p1 --devices all
	expect_same_tree p1
	# the default policy refuses the block device and the serial port, and
	# then nothing is left
	expect_fail 'entry "rootfs/x/(sda|ttyS9)": (block|character) device (8:0|4:73) not allowed' \
		bash -c 'sysc-export b1 - | sysc-import - p2'
	expect_store "b1 p1"
	expect_clean
}

test_imported_busybox_boots() {
	sysc-create b1 -t busybox >/dev/null 2>&1
	sysc-export b1 "$T_ROOT/b1.tar.zst"
	sysc-destroy b1 >/dev/null 2>&1
	sysc-import "$T_ROOT/b1.tar.zst"
	expect_store "b1"
	sysc-start b1
	sysc-wait b1 -s RUNNING -t 5
	expect_eq "$(sysc-attach b1 -- cat /etc/hostname)" b1 hostname
	# running: refused, the file left alone
	echo old >"$T_ROOT/old.tar"
	expect_fail 'container b1 is RUNNING: stop it first' sysc-export b1 "$T_ROOT/old.tar"
	expect_eq "$(cat "$T_ROOT/old.tar")" old "file after a refused export"
	[[ -z $(ls "$T_ROOT" | grep 'old.tar.') ]] || t_die "temporary file left"
	sysc-stop b1
	expect_clean
}

test_snapshot_export() {
	local b
	for b in dir overlay; do
		sysc-create "s-$b" -t busybox -B "$b" >/dev/null 2>&1
		sysc-snapshot "s-$b" -n s1 >/dev/null
		expect_fail "container s-$b has no snapshot \"s2\"" sysc-export "s-$b" "$T_ROOT/s.tar" --snapshot s2
		sysc-start "s-$b"
		sysc-wait "s-$b" -s RUNNING -t 5
		sysc-attach "s-$b" -- sh -c 'echo after >/etc/motd'
		# a snapshot is exported while its container runs, as it was
		sysc-export "s-$b" "$T_ROOT/s-$b.tar" --snapshot s1
		sysc-stop "s-$b"
		sysc-import "$T_ROOT/s-$b.tar" "copy-$b"
		[[ ! -e $SYSC_PATH/copy-$b/rootfs/etc/motd ]] || t_die "$b: snapshot has later changes"
		sysc-export "s-$b" - | sysc-import - "now-$b"
		expect_eq "$(cat "$SYSC_PATH/now-$b/rootfs/etc/motd")" after "$b: container after the snapshot"
	done
	expect_store "copy-dir copy-overlay now-dir now-overlay s-dir s-overlay"
	expect_clean
}

test_overlay_backend() {
	# a backend that mounts: export mounts the rootfs privately, import
	# extracts into the mounted new one
	sysc-create o1 -t busybox -B overlay >/dev/null 2>&1
	sysc-export o1 "$T_ROOT/o1.tar"
	sysc-import "$T_ROOT/o1.tar" x1
	expect_eq "$(sysc-config x1 rootfs.backend)" dir "backend of x1"
	sysc-export x1 - | sysc-import - o2 -B overlay
	expect_eq "$(sysc-config o2 rootfs.backend)" overlay "backend of o2"
	sysc-export o2 - | sysc-import - x2
	# (imported under other names: the identity files are each one's own)
	tree_list "$SYSC_PATH/x1/rootfs" | grep -Ev "$ID_FILES" >"$T_ROOT/a.lst"
	tree_list "$SYSC_PATH/x2/rootfs" | grep -Ev "$ID_FILES" >"$T_ROOT/b.lst"
	diff "$T_ROOT/a.lst" "$T_ROOT/b.lst" >&2 || t_die "trees differ after overlay round trips"
	grep -q '^etc/passwd ' "$T_ROOT/b.lst" || t_die "empty tree?"
	expect_eq "$(cat "$SYSC_PATH/x2/rootfs/etc/hostname")" x2 "/etc/hostname of x2"
	sysc-start o2
	sysc-wait o2 -s RUNNING -t 5
	sysc-stop o2
	expect_store "o1 o2 x1 x2"
	expect_clean
}

# every setting of the trust rules (doc/security.md), and its --allow KEY
TRUST_SETTINGS=(
	"security.privileged|true|no user namespace, root in the container is root on the host"
	"security.nesting|true|an uncovered /proc and /sys, /dev/fuse, /dev/net/tun and writable cgroups for runtimes inside"
	"seccomp.profile|none|no system call filter"
	"seccomp.allow_bpf|true|allows bpf()"
	"capabilities.drop|[\"sys_module\"]|keeps sys_rawio, sys_time, .*which the default drops|capabilities"
	"network|( { type = \"none\"; } )|network\[0\]: type \"none\": the host's network namespace"
	"sysctl|( { key = \"kernel.shmmax\"; value = \"4096\"; } )|sysctl\[0\]: kernel.shmmax = \"4096\", written by sysc-start as root"
	"mounts|( { source = \"/etc\"; target = \"/mnt\"; } )|mounts\[0\]: bind-mounts the host's /etc on /mnt"
	"hooks.pre_start|[\"/bin/true\"]|runs /bin/true on the host as root"
	"hooks.destroy|[\"/bin/true\"]|runs /bin/true on the host as root"
	"devices.allow|[\"b 8:0 rwm\"]|\"b 8:0 rwm\" opens host devices"
	"devices.create|[\"/dev/sda b 8:0 0600\"]|gives the container a host device"
	"limits.memlock|\"unlimited\"|memory the host cannot reclaim"
	"oom_score_adj|-1000|the OOM killer spares the container"
	"autostart.enabled|true|starts at the host's boot"
)

test_hostile_config_refused() {
	local s key value why allow args=() rest
	sysc-create b1 -t busybox >/dev/null 2>&1
	# a plain container needs no --allow (the round trips import them too)
	sysc-export b1 "$T_ROOT/plain.tar"
	sysc-import "$T_ROOT/plain.tar" p1 2>"$T_ROOT/p1.err"
	! grep -q 'allow' "$T_ROOT/p1.err" || t_die "$(cat "$T_ROOT/p1.err")"
	for s in "${TRUST_SETTINGS[@]}"; do
		IFS='|' read -r key value why allow <<<"$s"
		sysc-config b1 "$key" -- "$value"
	done
	sysc-export b1 "$T_ROOT/b1.tar"
	expect_fail "archive $T_ROOT/b1.tar: its config weakens the container's isolation or acts on the host; refused unless named on the command line" \
		sysc-import "$T_ROOT/b1.tar" h1
	sysc-import "$T_ROOT/b1.tar" h1 2>"$T_ROOT/h1.err" && t_die "hostile config imported"
	# each setting named, with why and the option that accepts it
	for s in "${TRUST_SETTINGS[@]}"; do
		IFS='|' read -r key value why allow <<<"$s"
		allow=${allow:-$key}
		grep -Eq -- "$why.* \(--allow $allow\)$" "$T_ROOT/h1.err" ||
			t_die "$key not named: $(cat "$T_ROOT/h1.err")"
		args+=(--allow "$allow")
	done
	expect_eq "$(grep -c -- '--allow' "$T_ROOT/h1.err")" "${#TRUST_SETTINGS[@]}" "refused settings"
	# all but the last: only that one is refused
	rest=("${args[@]:0:${#args[@]}-2}")
	expect_fail "error:   autostart.enabled = true: .* \(--allow autostart.enabled\)$" \
		sysc-import "$T_ROOT/b1.tar" h1 "${rest[@]}"
	sysc-import "$T_ROOT/b1.tar" h1 "${rest[@]}" 2>"$T_ROOT/h1.err" || true
	expect_eq "$(grep -c 'error:   ' "$T_ROOT/h1.err")" 1 "refused with all but one allowed"
	expect_store "b1 p1"
	# a group covers its keys
	expect_fail "--allow hooks.destroy\)" sysc-import "$T_ROOT/b1.tar" h1 "${rest[@]/hooks.destroy/seccomp}"
	sysc-import "$T_ROOT/b1.tar" h1 "${rest[@]/hooks.*/hooks}" --allow autostart 2>"$T_ROOT/h1.err"
	grep -q "accepted (--allow hooks.pre_start): hooks.pre_start: runs /bin/true" "$T_ROOT/h1.err" ||
		t_die "$(cat "$T_ROOT/h1.err")"
	expect_eq "$(sysc-config h1 security.privileged)" true "privileged kept when allowed"
	expect_eq "$(sysc-config h1 hooks.destroy)" /bin/true "hook kept when allowed"
	expect_fail 'unknown --allow "privileged": a config key or group' \
		sysc-import "$T_ROOT/b1.tar" h2 --allow privileged
	expect_store "b1 h1 p1"
	sysc-config h1 hooks.destroy '[]'
	expect_clean
}

# SRC rewritten to DST as a hostile archive would do it, checksum recomputed:
# its config replaced by the file CONFIG (when not ""), an entry NAME with
# the content of the file ADD after the config (when NAME is not "")
rewrite_archive() {
	python3 - "$@" <<'EOF'
import io, sys, tarfile
src, dst, new, add_name, add_file = sys.argv[1:6]
conf = open(new, "rb").read() if new else None
add = open(add_file, "rb").read() if add_name else None
stream, h, M = bytearray(), 0xcbf29ce484222325, (1 << 64) - 1
def put(o, m, data):
    m.size = len(data)
    o.addfile(m, io.BytesIO(data) if m.isreg() else None)
with tarfile.open(src) as i, tarfile.open(dst, "w", format=tarfile.PAX_FORMAT) as o:
    for m in i.getmembers():
        f = i.extractfile(m) if m.isreg() else None
        data = f.read() if f else b""
        if m.name == "config" and conf is not None:
            data = conf
        if m.name == "sysc-checksum":
            n = len(stream) // 8 * 8
            for k in range(0, n, 8):
                h = ((h ^ int.from_bytes(stream[k:k + 8], "little")) * 0x100000001b3) & M
            tail = bytes(stream[n:]) + bytes(8 - (len(stream) - n))
            h = ((h ^ int.from_bytes(tail, "little") ^ ((len(stream) - n) << 56)) * 0x100000001b3) & M
            data = b"fnv64=%016x\n" % h
        elif m.name.startswith("rootfs"):
            stream.extend(m.name[7:].rstrip("/").encode() + b"\0" + data)
        else:
            stream.extend(m.name.encode() + b"\0" + data)
        put(o, m, data)
        if m.name == "config" and add_name:
            stream.extend(add_name.encode() + b"\0" + add)
            put(o, tarfile.TarInfo(add_name), add)
EOF
}

# the archive SRC with its config replaced by stdin, to DST
rewrite_config() {
	cat >"$T_ROOT/new-config"
	rewrite_archive "$1" "$2" "$T_ROOT/new-config" "" ""
}

# an archive whose config is followed by a facts entry (root of the host as
# the container's range, checksum recomputed): a container's facts are
# sysc's own, never taken from an archive
test_hostile_facts_entry() {
	sysc-create b1 -t busybox >/dev/null 2>&1
	sysc-export b1 "$T_ROOT/b1.tar" --compression none >/dev/null 2>&1
	echo 'idmap = ( { container = 0; host = 0; count = 65536; } );' >"$T_ROOT/facts-entry"
	rewrite_archive "$T_ROOT/b1.tar" "$T_ROOT/facts.tar" "" facts "$T_ROOT/facts-entry"
	tar -tf "$T_ROOT/facts.tar" >"$T_ROOT/facts.list"
	grep -qx facts "$T_ROOT/facts.list" || t_die "setup: no facts entry"
	expect_fail 'entry "facts": path outside rootfs/' sysc-import "$T_ROOT/facts.tar" f1
	expect_store "b1"
	expect_clean
}

test_hostile_config_include() {
	sysc-create b1 -t busybox >/dev/null 2>&1
	sysc-export b1 "$T_ROOT/b1.tar" -c none
	# the rewrite itself is sound: a harmless change imports
	printf 'name = "b1";\ninit = { halt_signal = "SIGUSR1"; };\n' |
		rewrite_config "$T_ROOT/b1.tar" "$T_ROOT/ok.tar"
	sysc-import "$T_ROOT/ok.tar" ok1
	expect_eq "$(sysc-config ok1 init.halt_signal)" SIGUSR1 "rewritten config"
	# @include would read a FIFO (a hang), stdin, or copy a host file into
	# the config: refused before anything is read
	mkfifo "$T_ROOT/inc-fifo"
	for inc in "$T_ROOT/inc-fifo" /dev/stdin /etc/sysc-secret; do
		printf 'name = "b1";\n  @include "%s"\n' "$inc" | rewrite_config "$T_ROOT/b1.tar" "$T_ROOT/inc.tar"
		expect_fail "archive $T_ROOT/inc.tar: config:2: @include is refused in a config from an archive" \
			timeout 20 sysc-import "$T_ROOT/inc.tar" i1 </dev/null
	done
	expect_store "b1 ok1"
	expect_clean
}

test_bad_input() {
	expect_fail 'container "nosuch" does not exist' sysc-export nosuch "$T_ROOT/x.tar"
	[[ ! -e $T_ROOT/x.tar ]] || t_die "file made for a missing container"
	sysc-create b1 -t busybox >/dev/null 2>&1
	expect_fail "cannot write $T_ROOT/nodir/x.tar: No such file" sysc-export b1 "$T_ROOT/nodir/x.tar"
	expect_fail 'cannot write /proc/x.tar' sysc-export b1 /proc/x.tar
	expect_fail 'unknown compression "lz4"' sysc-export b1 "$T_ROOT/x.tar" -c lz4
	expect_fail 'missing NAME or FILE' sysc-export b1
	expect_fail "cannot open archive $T_ROOT/none.tar: No such file" sysc-import "$T_ROOT/none.tar"
	# a tarball that is not a sysc export
	tar -C "$SYSC_PATH/b1/rootfs" -cf "$T_ROOT/plain.tar" .
	expect_fail 'is not a container archive made by sysc-export .*-t tarball' \
		sysc-import "$T_ROOT/plain.tar" p1
	echo 'not an archive at all' >"$T_ROOT/text"
	expect_fail "archive $T_ROOT/text: .*(Unrecognized archive format|corrupt)" \
		sysc-import "$T_ROOT/text" p1
	expect_fail 'unknown --devices "some"' sysc-import "$T_ROOT/plain.tar" -D some
	expect_store "b1"
	expect_clean
}

test_export_full_fs() {
	# $T_ROOT/small: a 512K tmpfs (made at file level)
	sysc-create b1 -t busybox >/dev/null 2>&1
	expect_fail "cannot write archive $T_ROOT/small/b1.tar: No space left on device" \
		sysc-export b1 "$T_ROOT/small/b1.tar" -c none
	expect_eq "$(ls -A "$T_ROOT/small")" "" "files left on the full filesystem"
	expect_clean
}

# A character device or FIFO is written as a stream and stays what it is
# (the host's /dev/null once became a regular file); a symlink's target is
# written and the link kept; other kinds of files are refused.
test_export_special_files() {
	local d=$T_ROOT/special
	mkdir "$d"
	sysc-create b1 -t busybox >/dev/null 2>&1
	mknod "$d/null" c 1 3
	sysc-export b1 "$d/null"
	[[ -c $d/null ]] || t_die "$d/null is no longer a character device: $(stat -c %F "$d/null")"
	mkfifo "$d/fifo"
	cat "$d/fifo" >"$d/via-fifo.tar" &
	sysc-export b1 "$d/fifo" -c none
	wait $!
	[[ -p $d/fifo ]] || t_die "the FIFO is now: $(stat -c %F "$d/fifo")"
	sysc-import "$d/via-fifo.tar" f1 >/dev/null 2>&1 || t_die "what went through the FIFO does not import"
	expect_eq "$(cat "$SYSC_PATH/f1/rootfs/etc/hostname")" f1 "hostname of the import"
	sysc-destroy f1 >/dev/null
	echo old >"$d/real.tar"
	ln -s real.tar "$d/link.tar"
	sysc-export b1 "$d/link.tar" -c none
	[[ -L $d/link.tar ]] || t_die "the symlink was replaced"
	# (not piped into grep -q: tar killed by SIGPIPE would fail the pipe)
	tar -tf "$d/real.tar" sysc-archive >/dev/null || t_die "its target is not the archive"
	mkdir "$d/sub"
	expect_fail "cannot write $d/sub: it is a directory" sysc-export b1 "$d/sub"
	ln -s missing/x "$d/dangling"
	expect_fail "cannot write $d/dangling: a symbolic link to a missing file" \
		sysc-export b1 "$d/dangling"
	[[ -L $d/dangling ]] || t_die "the dangling link was replaced"
	# and no temporary file beside them
	expect_eq "$(ls -A "$d" | tr '\n' ' ')" "dangling fifo link.tar null real.tar sub via-fifo.tar " "files"
	rm -rf "$d"
	expect_store "b1"
	expect_clean
}

# SIGKILL during an export: nothing is left beside the file (its data went
# to an unnamed O_TMPFILE, linked only when complete)
test_export_sigkill_leaves_nothing() {
	local pid
	sysc-create b1 -t busybox >/dev/null 2>&1
	head -c $((48 << 20)) /dev/urandom >"$SYSC_PATH/b1/rootfs/big"
	mkdir "$T_ROOT/out"
	sysc-export b1 "$T_ROOT/out/b1.tar.gz" -c gzip 2>/dev/null &
	pid=$!
	# until it writes the archive (an open file in out/, named or not)
	for _ in $(seq 400); do
		ls -l "/proc/$pid/fd" 2>/dev/null | grep -q "$T_ROOT/out/" && break
		sleep 0.02
	done
	ls -l "/proc/$pid/fd" | grep -q "$T_ROOT/out/" || t_die "the export never wrote"
	kill -KILL "$pid"
	wait "$pid" && t_die "a killed export succeeded" || true
	expect_eq "$(ls -A "$T_ROOT/out")" "" "files left by a killed export"
	rmdir "$T_ROOT/out"
	expect_clean
}

test_interrupted_import() {
	sysc-create b1 -t busybox >/dev/null 2>&1
	sysc-export b1 "$T_ROOT/b1.tar" -c none
	mkfifo "$T_ROOT/fifo"
	sysc-import "$T_ROOT/fifo" i1 2>"$T_ROOT/i1.err" &
	local pid=$! rc=0
	# half the archive, then nothing: the import is inside the rootfs by now
	{
		head -c $(($(stat -c %s "$T_ROOT/b1.tar") / 2)) "$T_ROOT/b1.tar"
		sleep 3
	} >"$T_ROOT/fifo" &
	local feeder=$!
	for _ in $(seq 50); do
		ls -A "$SYSC_PATH" | grep -q '^\.create-i1-' && break
		sleep 0.1
	done
	sleep 0.3
	kill -INT "$pid"
	wait "$pid" || rc=$?
	wait "$feeder" || true
	[[ $rc != 0 ]] || t_die "interrupted import succeeded"
	grep -q 'interrupted\|nothing was created' "$T_ROOT/i1.err" || t_die "$(cat "$T_ROOT/i1.err")"
	expect_store "b1"
	expect_clean
}

test_tarball_template() {
	sysc-create b1 -t busybox >/dev/null 2>&1
	# ACLs as GNU tar stores them (SCHILY.acl.*, not xattrs)
	echo acl >"$SYSC_PATH/b1/rootfs/etc/acl-file"
	setfacl -m u:99:rwx,g:98:r "$SYSC_PATH/b1/rootfs/etc/acl-file"
	setfacl -d -m u:97:r "$SYSC_PATH/b1/rootfs/var/log"
	tar -C "$SYSC_PATH/b1/rootfs" --acls -czf "$T_ROOT/rootfs.tar.gz" .
	sysc-create t1 -t tarball -- --file "$T_ROOT/rootfs.tar.gz" >"$T_ROOT/t1.log" 2>&1 ||
		t_die "$(cat "$T_ROOT/t1.log")"
	sysc-create t2 -t tarball -- --file "$T_ROOT/rootfs.tar.gz" >"$T_ROOT/t2.log" 2>&1 ||
		t_die "$(cat "$T_ROOT/t2.log")"
	local key
	key=tarball-$(sha256sum <"$T_ROOT/rootfs.tar.gz" | cut -c1-16)
	grep -q "building template cache $key" "$T_ROOT/t1.log" || t_die "$(cat "$T_ROOT/t1.log")"
	grep -q "from cache $key" "$T_ROOT/t2.log" || t_die "cache not shared: $(cat "$T_ROOT/t2.log")"
	grep -q 'building template cache' "$T_ROOT/t2.log" && t_die "cache built twice"
	expect_eq "$(cat "$SYSC_PATH/t2/rootfs/etc/hostname")" t2 hostname
	[[ -x $SYSC_PATH/t2/rootfs/bin/busybox ]] || t_die "no busybox"
	expect_eq "$(getfacl -cp "$SYSC_PATH/t2/rootfs/etc/acl-file" | tr '\n' ' ')" \
		"user::rw- user:99:rwx group::r-- group:98:r-- mask::rwx other::r--  " "ACL from GNU tar"
	getfacl -cp "$SYSC_PATH/t2/rootfs/var/log" | grep -q '^default:user:97:r--' ||
		t_die "default ACL from GNU tar: $(getfacl -cp "$SYSC_PATH/t2/rootfs/var/log")"
	# same content under another name: same cache
	cp "$T_ROOT/rootfs.tar.gz" "$T_ROOT/copy.tar.gz"
	sysc-create t3 -t tarball -- --file "$T_ROOT/copy.tar.gz" >"$T_ROOT/t3.log" 2>&1
	grep -q "from cache $key" "$T_ROOT/t3.log" || t_die "cache key is not the content's"
	sysc-start t2
	sysc-wait t2 -s RUNNING -t 5
	sysc-stop t2
	# the same protections as sysc-import
	hostile "$T_ROOT/evil.tar" dotdot plain
	expect_fail 'archive .*evil.tar: entry ".*": path .* has a ".." component' \
		sysc-create t4 -t tarball -- --file "$T_ROOT/evil.tar"
	expect_fail "missing --file FILE" sysc-create t4 -t tarball
	expect_store "b1 t1 t2 t3"
	expect_outside_untouched
	expect_clean
}

# hostile OUT CASE [plain|sysc1]: a tar archive (a sysc export, format 2;
# sysc1: format 1; plain: a rootfs tarball) with one hostile entry aimed at
# $OUTSIDE
hostile() {
	python3 - "$1" "$2" "${3:-sysc}" "$OUTSIDE" <<'EOF'
import io, sys, tarfile
out, case, kind, outside = sys.argv[1:5]
tf = tarfile.open(out, "w", format=tarfile.PAX_FORMAT)
# what sysc-checksum covers: cleaned paths and file data (format 2: of the
# manifest and the config too)
stream = bytearray()
def add(name, data=b"", **kw):
    if name.startswith("rootfs/") or name == "rootfs":
        stream.extend(name[7:].rstrip("/").encode() + b"\0" + data)
    elif kind == "sysc" and name in ("sysc-archive", "config"):
        stream.extend(name.encode() + b"\0" + data)
    ti = tarfile.TarInfo(name)
    for k, v in kw.items():
        setattr(ti, k, v)
    if ti.type == tarfile.REGTYPE:
        ti.size = len(data)
        tf.addfile(ti, io.BytesIO(data))
    else:
        tf.addfile(ti)
pre = "./" if kind == "plain" else "rootfs/"
if kind != "plain":
    add("sysc-archive", b"format=%d\n" % (1 if kind == "sysc1" else 2))
    add("config", b'name = "h1";\n')
add(pre, type=tarfile.DIRTYPE, mode=0o755)
add(pre + "etc", type=tarfile.DIRTYPE, mode=0o755)
up = "../" * 30
if case == "dotdot":
    add(pre + "etc/" + up + outside.lstrip("/") + "/dotdot", b"evil")
elif case == "absolute":
    add(outside + "/absolute", b"evil")
elif case == "symlink":
    add(pre + "etc/out", type=tarfile.SYMTYPE, linkname=outside)
    add(pre + "etc/out/through", b"evil")
elif case == "symlink-replace":
    # a symlink, then a file of the same name: the file replaces the link
    add(pre + "etc/keep", type=tarfile.SYMTYPE, linkname=outside + "/keep")
    add(pre + "etc/keep", b"evil")
elif case == "hardlink":
    add(pre + "etc/shadow", type=tarfile.LNKTYPE, linkname="/etc/shadow")
elif case == "hardlink-dotdot":
    add(pre + "etc/shadow", type=tarfile.LNKTYPE, linkname=pre + up + "etc/shadow")
elif case == "device":
    add(pre + "etc/sda", type=tarfile.BLKTYPE, devmajor=8, devminor=0)
elif case == "giant":
    add(pre + "etc/" + "a/" * 600000 + "x", b"evil")
elif case == "long":
    add(pre + "etc/" + "a/" * 4000 + "x", b"evil")
if kind != "plain":
    # the trailer (storage-independent fnv64 over 8-byte words, see tar.h)
    h, M = 0xcbf29ce484222325, (1 << 64) - 1
    n = len(stream) // 8 * 8
    for i in range(0, n, 8):
        h = ((h ^ int.from_bytes(stream[i:i + 8], "little")) * 0x100000001b3) & M
    tail = bytes(stream[n:]) + bytes(8 - (len(stream) - n))
    h = ((h ^ int.from_bytes(tail, "little") ^ ((len(stream) - n) << 56)) * 0x100000001b3) & M
    add("sysc-checksum", b"fnv64=%016x\n" % h)
tf.close()
EOF
}

# import of a hostile archive fails with a message matching $2, and leaves nothing
expect_refused() {
	hostile "$T_ROOT/h.tar" "$1"
	expect_fail "$2" sysc-import "$T_ROOT/h.tar"
	expect_store ""
	expect_outside_untouched
	expect_clean
}

test_hostile_dotdot() {
	expect_refused dotdot 'archive .*h.tar: entry "rootfs/etc/\.\./\.\./.*": path .* has a "\.\." component \(refused\)'
}

test_hostile_absolute() {
	expect_refused absolute "archive .*h.tar: entry \"$OUTSIDE/absolute\": absolute path .* \(refused\)"
}

test_hostile_symlink_write_through() {
	expect_refused symlink 'entry "rootfs/etc/out/through": "etc/out" is a symlink: refusing to write through it'
}

test_hostile_symlink_replaced() {
	# neutralised: the link is replaced by the file, nothing written through it
	hostile "$T_ROOT/h.tar" symlink-replace
	sysc-import "$T_ROOT/h.tar"
	[[ -f $SYSC_PATH/h1/rootfs/etc/keep && ! -L $SYSC_PATH/h1/rootfs/etc/keep ]] ||
		t_die "link not replaced"
	expect_eq "$(cat "$SYSC_PATH/h1/rootfs/etc/keep")" evil "replaced file"
	expect_outside_untouched
}

test_hostile_hardlink_out() {
	expect_refused hardlink 'entry "rootfs/etc/shadow": absolute hardlink target "/etc/shadow" \(refused\)'
	expect_refused hardlink-dotdot 'entry "rootfs/etc/shadow": hardlink target .* has a "\.\." component'
}

test_format_1() {
	# an archive of format 1 (its checksum covers only the rootfs) is read
	hostile "$T_ROOT/h.tar" none sysc1
	sysc-import "$T_ROOT/h.tar" 2>"$T_ROOT/h.err"
	grep -q "format 1: its config is not covered by its checksum" "$T_ROOT/h.err" ||
		t_die "no warning: $(cat "$T_ROOT/h.err")"
	expect_store "h1"
	# format 2, the same
	sysc-destroy h1
	hostile "$T_ROOT/h.tar" none
	sysc-import "$T_ROOT/h.tar" 2>"$T_ROOT/h.err"
	! grep -q "format 1" "$T_ROOT/h.err" || t_die "format 2 taken for format 1"
	expect_store "h1"
}

test_hostile_device() {
	expect_refused device 'entry "rootfs/etc/sda": block device 8:0 not allowed'
	# allowed when asked for
	hostile "$T_ROOT/h.tar" device
	sysc-import "$T_ROOT/h.tar" --devices all
	[[ -b $SYSC_PATH/h1/rootfs/etc/sda ]] || t_die "no device with --devices all"
}

test_hostile_giant_header() {
	# libarchive's own limit on a pax header (1.2 MB of path)
	expect_refused giant 'archive .*h.tar: corrupt or truncated after entry "rootfs/etc/": .*too large'
	# ours on a path (8 KB)
	expect_refused long 'entry "rootfs/etc/a/a/a.*\.\.\." \([0-9]+ bytes\): path longer than 4095 bytes'
}

test_truncated_archive() {
	sysc-create b1 -t busybox >/dev/null 2>&1
	for c in none zstd; do
		sysc-export b1 "$T_ROOT/full.$c" -c "$c"
		head -c $(($(stat -c %s "$T_ROOT/full.$c") * 2 / 3)) "$T_ROOT/full.$c" >"$T_ROOT/cut.$c"
		expect_fail "archive $T_ROOT/cut.$c: .*(truncated|Truncated)" sysc-import "$T_ROOT/cut.$c" c1
		expect_store "b1"
	done
	expect_clean
}

test_corrupt_archive() {
	sysc-create b1 -t busybox >/dev/null 2>&1
	sysc-export b1 "$T_ROOT/full.tar" -c none
	# a header's checksum in the middle of the rootfs
	python3 - "$T_ROOT/full.tar" "$T_ROOT/bad.tar" <<'EOF'
import sys, tarfile
src, dst = sys.argv[1:3]
members = tarfile.open(src).getmembers()
off = members[len(members) // 2].offset
data = bytearray(open(src, "rb").read())
data[off + 148:off + 156] = b"0000000\0"
open(dst, "wb").write(data)
EOF
	expect_fail "archive $T_ROOT/bad.tar: .*corrupt or truncated.*(Damaged|checksum)" \
		sysc-import "$T_ROOT/bad.tar" c1
	# one byte of file data: tar has no checksum for it, the trailer does
	python3 - "$T_ROOT/full.tar" "$T_ROOT/flip.tar" <<'EOF'
import sys, tarfile
src, dst = sys.argv[1:3]
m = tarfile.open(src).getmember("rootfs/etc/inittab")
data = bytearray(open(src, "rb").read())
data[m.offset_data + 3] ^= 0x01
open(dst, "wb").write(data)
EOF
	expect_fail "archive $T_ROOT/flip.tar: checksum mismatch .*: the archive is corrupt" \
		sysc-import "$T_ROOT/flip.tar" c1
	# no trailer at all (cut at an entry boundary)
	python3 - "$T_ROOT/full.tar" "$T_ROOT/short.tar" <<'EOF'
import sys, tarfile
src, dst = sys.argv[1:3]
with tarfile.open(src) as i, tarfile.open(dst, "w", format=tarfile.PAX_FORMAT) as o:
    for m in i.getmembers():
        if m.name != "sysc-checksum":
            o.addfile(m, i.extractfile(m) if m.isreg() else None)
EOF
	expect_fail "archive $T_ROOT/short.tar is incomplete" sysc-import "$T_ROOT/short.tar" c1
	# the config rewritten (the checksum covers it): one byte changed, or a
	# hook added
	local edit allow
	for edit in byte hook; do
		python3 - "$T_ROOT/full.tar" "$T_ROOT/conf-$edit.tar" "$edit" <<'EOF'
import io, sys, tarfile
src, dst, edit = sys.argv[1:4]
with tarfile.open(src) as i, tarfile.open(dst, "w", format=tarfile.PAX_FORMAT) as o:
    for m in i.getmembers():
        f = i.extractfile(m) if m.isreg() else None
        if m.name == "config":
            data = f.read()
            if edit == "hook":
                data += b'hooks = { pre_start = [ "/bin/evil" ]; };\n'
            else:
                assert b'name = "b1"' in data
                data = data.replace(b'name = "b1"', b'name = "b2"')
            m.size = len(data)
            f = io.BytesIO(data)
        o.addfile(m, f)
EOF
		allow=()
		if [[ $edit == hook ]]; then allow=(--allow hooks); fi
		expect_fail "archive $T_ROOT/conf-$edit.tar: checksum mismatch .*: the archive is corrupt" \
			sysc-import "$T_ROOT/conf-$edit.tar" c1 "${allow[@]}"
	done
	# compressed data corrupted in the middle
	sysc-export b1 "$T_ROOT/full.zst" -c zstd
	python3 - "$T_ROOT/full.zst" "$T_ROOT/bad.zst" <<'EOF'
import sys
src, dst = sys.argv[1:3]
data = bytearray(open(src, "rb").read())
for i in range(len(data) // 2, len(data) // 2 + 64):
    data[i] ^= 0x5a
open(dst, "wb").write(data)
EOF
	expect_fail "archive $T_ROOT/bad.zst: .*(corrupt or truncated|checksum mismatch)" sysc-import "$T_ROOT/bad.zst" c1
	expect_store "b1"
	expect_clean
}

test_debian_round_trip() {
	local t0 t1 size
	sysc-create d1 -t debian >"$T_ROOT/d1.log" 2>&1 || t_die "$(tail -n 5 "$T_ROOT/d1.log")"
	size=$(du -sm "$SYSC_PATH/d1/rootfs" | cut -f1)
	t0=$(date +%s%N)
	sysc-export d1 "$T_ROOT/d1.tar.zst"
	t1=$(date +%s%N)
	timing "debian export: rootfs ${size} MiB -> $(($(stat -c %s "$T_ROOT/d1.tar.zst") >> 20)) MiB zstd in $(((t1 - t0) / 1000000)) ms"
	t0=$(date +%s%N)
	sysc-import "$T_ROOT/d1.tar.zst" d2
	t1=$(date +%s%N)
	timing "debian import (zstd file): $(((t1 - t0) / 1000000)) ms"
	t0=$(date +%s%N)
	sysc-export d1 - | sysc-import - d3
	t1=$(date +%s%N)
	timing "debian export | import pipe: $(((t1 - t0) / 1000000)) ms"
	tree_list "$SYSC_PATH/d1/rootfs" | grep -Ev "$ID_FILES" >"$T_ROOT/a.lst"
	tree_list "$SYSC_PATH/d3/rootfs" | grep -Ev "$ID_FILES" >"$T_ROOT/b.lst"
	diff "$T_ROOT/a.lst" "$T_ROOT/b.lst" >&2 || t_die "debian trees differ"
	grep -q 'security.capability=' "$T_ROOT/b.lst" || t_die "no file capability in Debian?"
	sysc-destroy d3 >/dev/null
	sysc-start d2
	wait_running d2
	sysc-stop d2
	expect_clean
}

t_run test_round_trip_file
t_run test_round_trip_pipe
t_run test_imported_busybox_boots
t_run test_snapshot_export
t_run test_overlay_backend
t_run test_hostile_config_refused
t_run test_hostile_config_include
t_run test_hostile_facts_entry
t_run test_bad_input
t_loopfs tmpfs 512K "$T_ROOT/small"
t_run test_export_full_fs
t_run test_export_special_files
t_run test_export_sigkill_leaves_nothing
t_run test_interrupted_import
t_run test_tarball_template
t_run test_hostile_dotdot
t_run test_hostile_absolute
t_run test_hostile_symlink_write_through
t_run test_hostile_symlink_replaced
t_run test_hostile_hardlink_out
t_run test_format_1
t_run test_hostile_device
t_run test_hostile_giant_header
t_run test_truncated_archive
t_run test_corrupt_archive
t_run test_debian_round_trip
cat "$T_ROOT/timings" 2>/dev/null
t_summary
