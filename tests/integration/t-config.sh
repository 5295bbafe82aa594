#!/bin/bash
# The user's config file stays the user's: create -f, sysc-config sets and
# unsets, and a copy change only the lines they are about (comments, order
# and layout stay); sysc-config --edit never saves an invalid file; a dotted
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

test_comments_survive() {
	local f
	f=$(write_user_conf)
	sysc-create w1 -t busybox -f "$f"
	expect_only_added "$f" "$SYSC_PATH/w1/config" 'name|uuid|template|idmap|rootfs|  halt_signal|  reboot_signal'
	grep -q '^name = "w1";' "$SYSC_PATH/w1/config" || t_die "create: name"
	# five sets and unsets, each changing its own line only
	expect_change w1 's/"256M";   # enough/"512M";   # enough/' cgroup.memory.max 512M
	expect_change w1 's/pids = { max = 100; };/pids = { max = 200; };/' cgroup.pids.max 200
	expect_change w1 '/pids = { max = 200; };/a\    cpu = { weight = 50; };' cgroup.cpu.weight 50
	expect_change w1 '/^autostart = /d' --unset autostart.enabled
	expect_change w1 's/halt_signal = "SIGUSR2"/halt_signal = "SIGTERM"/' init.halt_signal SIGTERM
	expect_eq "$(sysc-config w1 cgroup.memory.max)" 512M "memory.max after the sets"
	# a copy: the same text but for its own name, uuid and id range
	sysc-copy w1 w2
	diff "$SYSC_PATH/w1/config" "$SYSC_PATH/w2/config" | grep -E '^[<>]' |
		grep -Ev '^[<>] (name|uuid|idmap) = ' && t_die "the copy changed more lines"
	grep -q '^name = "w2";' "$SYSC_PATH/w2/config" || t_die "copy: name"
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

for t in test_comments_survive test_edit test_dotted_key test_leaves_nothing; do
	t_run "$t"
done
t_summary
