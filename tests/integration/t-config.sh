#!/bin/bash
# The user's config file stays the user's: create -f, sysc-config sets and
# unsets, and a copy change only the lines they are about (comments, order
# and layout stay); what sysc records (uuid, idmap, rootfs.shifted) lives in
# the facts file beside it, and an old config holding them is moved over at
# its next write; sysc-config --edit never saves an invalid file; a dotted
# name inside a file gets the nested form to write.
. "$(dirname "$0")/lib.sh"

# the lines of file NEW not in file OLD are only those of KEYS (a regex), and
# every line of OLD is still there, in order
expect_only_added() {
	local old=$1 new=$2 keys=$3 d
	d=$(diff "$old" "$new" || true)
	! grep -q '^<' <<<"$d" || t_die "lines of $old changed or removed: $d"
	! grep '^>' <<<"$d" | grep -Evq "^> ($keys) = " || t_die "more lines added to $new: $d"
}

# after "sysc-config ARGS...", the config of NAME is its old text with the
# sed expression SED applied (only the changed lines differ)
expect_change() {
	local name=$1 sed=$2 before
	shift 2
	before=$(cat "$SYSC_PATH/$name/config")
	sysc-config "$name" "$@"
	diff -u <(sed -e "$sed" <<<"$before") "$SYSC_PATH/$name/config" ||
		t_die "sysc-config $name $*: more than the expected change"
}

write_user_conf() {
	cfg user.conf <<'EOF'
# web container
// keep it small
cgroup = {
    memory = {
        max = "256M";   # enough for nginx
    };
    /* no fork bombs */
    pids = { max = 100; };
};

autostart = { enabled = false; };  # not yet
init = {
  stop_timeout = 7;
};
# end of my settings
EOF
}

# the config of NAME holds no fact sysc records, its facts file holds them
expect_facts_apart() {
	local c=$SYSC_PATH/$1/config f=$SYSC_PATH/$1/facts
	! grep -Eq '(^|[ {])(uuid|idmap|shifted) = ' "$c" || t_die "facts in $c: $(cat "$c")"
	grep -q "^uuid = \"$(sysc-config "$1" uuid)\";\$" "$f" || t_die "uuid not in $f: $(cat "$f")"
	grep -q '^idmap = ( {' "$f" || t_die "idmap not in $f: $(cat "$f")"
}

test_comments_survive() {
	local f
	f=$(write_user_conf)
	sysc-create w1 -t busybox -f "$f"
	expect_only_added "$f" "$SYSC_PATH/w1/config" 'name|template|rootfs|  halt_signal|  reboot_signal'
	grep -q '^name = "w1";' "$SYSC_PATH/w1/config" || t_die "create: name"
	expect_facts_apart w1
	# five sets and unsets, each changing its own line only
	expect_change w1 's/"256M";   # enough/"512M";   # enough/' cgroup.memory.max 512M
	expect_change w1 's/pids = { max = 100; };/pids = { max = 200; };/' cgroup.pids.max 200
	expect_change w1 '/pids = { max = 200; };/a\    cpu = { weight = 50; };' cgroup.cpu.weight 50
	expect_change w1 '/^autostart = /d' --unset autostart.enabled
	expect_change w1 's/halt_signal = "SIGUSR2"/halt_signal = "SIGTERM"/' init.halt_signal SIGTERM
	expect_eq "$(sysc-config w1 cgroup.memory.max)" 512M "memory.max after the sets"
	expect_facts_apart w1
	# facts are shown, but sysc records them: not set by hand
	sysc-config w1 | grep -q "^uuid = \"$(sysc-config w1 uuid)\";" || t_die "dump: no uuid"
	expect_fail 'uuid of w1 is recorded by sysc' \
		sysc-config w1 uuid 0b6f9d2e-4a7c-4c1e-9a55-2f5e3c1d8b70
	# a copy: the same text but for its own name; its own uuid and id range
	sysc-copy w1 w2
	diff "$SYSC_PATH/w1/config" "$SYSC_PATH/w2/config" | grep -E '^[<>]' |
		grep -Ev '^[<>] name = ' && t_die "the copy changed more lines"
	grep -q '^name = "w2";' "$SYSC_PATH/w2/config" || t_die "copy: name"
	expect_facts_apart w2
	[[ $(sysc-config w2 uuid) != "$(sysc-config w1 uuid)" ]] || t_die "the copy kept the uuid"
	[[ $(host_base w2) != "$(host_base w1)" ]] || t_die "the copy kept the id range"
	sysc-destroy w2
	sysc-destroy w1
}

# an editor script: EDIT_SED applied to the file, counted in $T_ROOT/edits
editor_script() {
	cat >"$T_ROOT/editor" <<'EOF'
#!/bin/bash
n=$(($(cat "$T_ROOT/edits" 2>/dev/null || echo 0) + 1))
echo "$n" >"$T_ROOT/edits"
# the first edit writes EDIT_SED1, later ones EDIT_SED2
if [[ $n == 1 ]]; then sed -i -e "$EDIT_SED1" "$1"; else sed -i -e "$EDIT_SED2" "$1"; fi
EOF
	chmod +x "$T_ROOT/editor"
	rm -f "$T_ROOT/edits"
}

test_edit() {
	local f sum ino
	f=$(write_user_conf)
	sysc-create e1 -t busybox -f "$f"
	editor_script
	export T_ROOT EDITOR=$T_ROOT/editor VISUAL=
	sum=$(md5sum <"$SYSC_PATH/e1/config")
	ino=$(stat -c %i "$SYSC_PATH/e1/config")
	# an unchanged file: nothing written
	EDIT_SED1='' sysc-config e1 --edit
	expect_eq "$(stat -c %i "$SYSC_PATH/e1/config")" "$ino" "inode after an unchanged edit"
	# an invalid value: shown, nothing saved (stdin is not a terminal: no second try)
	rm -f "$T_ROOT/edits"
	EDIT_SED1='s/"256M"/"12XB"/' expect_fail 'cgroup.memory.max: .*12XB' sysc-config e1 --edit
	expect_eq "$(md5sum <"$SYSC_PATH/e1/config")" "$sum" "config after an invalid edit"
	expect_eq "$(cat "$T_ROOT/edits")" 1 "editor runs without a terminal"
	# a syntax error, and a changed name: refused as well
	rm -f "$T_ROOT/edits"
	EDIT_SED1='s/pids = {/pids = {{/' expect_fail 'syntax error' sysc-config e1 --edit
	rm -f "$T_ROOT/edits"
	EDIT_SED1='s/^name = "e1";/name = "e9";/' expect_fail 'name: must stay "e1"' \
		sysc-config e1 --edit
	expect_eq "$(md5sum <"$SYSC_PATH/e1/config")" "$sum" "config after refused edits"
	# on a terminal: the error, "edit again?", and the second edit is saved
	rm -f "$T_ROOT/edits"
	printf 'y\n' | EDIT_SED1='s/"256M"/"12XB"/' EDIT_SED2='s/"12XB"/"300M"/' \
		script -qec "sysc-config e1 --edit" /dev/null >"$T_ROOT/edit.out" 2>&1 ||
		t_die "edit on a terminal: $(cat "$T_ROOT/edit.out")"
	grep -q '12XB' "$T_ROOT/edit.out" || t_die "no error shown: $(cat "$T_ROOT/edit.out")"
	grep -q 'edit again? \[Y/n\]' "$T_ROOT/edit.out" || t_die "not asked: $(cat "$T_ROOT/edit.out")"
	expect_eq "$(cat "$T_ROOT/edits")" 2 "editor runs on a terminal"
	grep -q '^        max = "300M";   # enough for nginx$' "$SYSC_PATH/e1/config" ||
		t_die "second edit not saved: $(cat "$SYSC_PATH/e1/config")"
	expect_eq "$(sysc-config e1 cgroup.memory.max)" 300M "memory.max after the edit"
	sysc-destroy e1
}

# NAME's config as sysc wrote it before facts had a file of their own: the
# facts appended to the user's text, no facts file
make_old_style() {
	grep -v '^#' "$SYSC_PATH/$1/facts" >>"$SYSC_PATH/$1/config"
	rm "$SYSC_PATH/$1/facts"
}

test_old_style_migrates() {
	local f uuid base before
	f=$(write_user_conf)
	sysc-create o1 -t busybox -f "$f"
	uuid=$(sysc-config o1 uuid) base=$(host_base o1)
	before=$(cat "$SYSC_PATH/o1/config")
	make_old_style o1
	grep -q "^uuid = \"$uuid\";" "$SYSC_PATH/o1/config" || t_die "setup: no uuid in the config"
	# read before the move: the same facts
	expect_eq "$(sysc-config o1 uuid)" "$uuid" "uuid read from an old config"
	expect_eq "$(host_base o1)" "$base" "range read from an old config"
	sysc-ls | grep -Eq "^o1 +STOPPED +dir +$(idmap_col o1) " || t_die "ls: $(sysc-ls)"
	# an old export imports as a new container: its facts are not taken
	sysc-export o1 "$T_ROOT/o1.tar" --compression none >/dev/null 2>&1
	tar -xOf "$T_ROOT/o1.tar" config | grep -q "^uuid = \"$uuid\";" || t_die "setup: old export"
	sysc-import "$T_ROOT/o1.tar" o2 >/dev/null 2>&1
	expect_facts_apart o2
	[[ $(sysc-config o2 uuid) != "$uuid" && $(host_base o2) != "$base" ]] ||
		t_die "the import kept the exporter's facts"
	sysc-destroy o2
	# the next write moves them out: the user's text as it was, but the set
	sysc-config o1 cgroup.pids.max 300
	diff -u <(sed -e 's/max = 100;/max = 300;/' <<<"$before") "$SYSC_PATH/o1/config" ||
		t_die "the move changed more than the facts"
	expect_facts_apart o1
	expect_eq "$(sysc-config o1 uuid)" "$uuid" "uuid after the move"
	expect_eq "$(host_base o1)" "$base" "range after the move"
	# --edit moves them before the editor sees the file
	make_old_style o1
	editor_script
	EDITOR=$T_ROOT/editor VISUAL= T_ROOT=$T_ROOT EDIT_SED1='s/max = 300;/max = 400;/' \
		sysc-config o1 --edit
	diff -u <(sed -e 's/max = 100;/max = 400;/' <<<"$before") "$SYSC_PATH/o1/config" ||
		t_die "--edit: the move changed more than the facts"
	expect_facts_apart o1
	# a fact written into the config by an edit is refused
	rm -f "$T_ROOT/edits"
	EDITOR=$T_ROOT/editor VISUAL= T_ROOT=$T_ROOT \
		EDIT_SED1='$a uuid = "0b6f9d2e-4a7c-4c1e-9a55-2f5e3c1d8b70";' \
		expect_fail 'uuid: recorded by sysc' sysc-config o1 --edit
	expect_eq "$(sysc-config o1 uuid)" "$uuid" "uuid after a refused edit"
	sysc-destroy o1
}

# a snapshot keeps the facts with the config: a restore brings both back
test_snapshot_facts() {
	local base
	sysc-create s1 -t busybox >/dev/null
	base=$(host_base s1)
	sysc-snapshot s1 >/dev/null
	sysc-config s1 --unset idmap
	[[ -z $(sysc-config s1 idmap) ]] || t_die "idmap not forgotten"
	sysc-snapshot s1 -r snap0 >/dev/null
	expect_eq "$(host_base s1)" "$base" "range after a restore"
	expect_facts_apart s1
	sysc-destroy s1
}

test_dotted_key() {
	local f
	f=$(cfg dotted.conf <<<$'# limits\ncgroup = {\n    memory.max = "96M";\n};')
	expect_fail 'dotted.conf:3: .*nested form: memory = \{ max = "96M"; \};' \
		sysc-create d1 -t busybox -f "$f"
	expect_store ""
}

test_leaves_nothing() {
	expect_store ""
	expect_clean
}

for t in test_comments_survive test_old_style_migrates test_snapshot_facts test_edit \
	test_dotted_key test_leaves_nothing; do
	t_run "$t"
done
t_summary
