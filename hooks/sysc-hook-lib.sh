# Shared by the hooks shipped with sysc (sourced). POSIX sh.
#
# The container's rootfs belongs to the container: anything in it, symlinks
# included, may have been planted by a previous run of its root user. The
# helpers below walk paths component by component and refuse symlinks, so a
# hook never writes outside the rootfs. This is race-free at the pre_mount
# and mount moments because no process of the container runs yet.

HOOK=${0##*/}

hook_die() {
	echo "$HOOK: $*" >&2
	exit 1
}

# hook_need_moment MOMENT...: refuse to run at any other moment
hook_need_moment() {
	for _m in "$@"; do
		[ "${SYSC_HOOK:-}" = "$_m" ] && return 0
	done
	hook_die "must run as a $* hook (hooks.$1 in the container's config), not at '${SYSC_HOOK:-none}'"
}

# hook_in_root ROOT PATH [create]: print ROOT/PATH after checking that no
# component is a symlink and each is a directory; with "create", missing
# ones are made (root-owned, 0755).
hook_in_root() {
	_root=$1 _cur=$1 _rest=${2#/}
	case $2 in /*) ;; *) hook_die "\"$2\" is not an absolute path" ;; esac
	while [ -n "$_rest" ]; do
		_c=${_rest%%/*}
		case $_rest in */*) _rest=${_rest#*/} ;; *) _rest= ;; esac
		case $_c in '' | .) continue ;; ..) hook_die "\"$2\" must not contain .." ;; esac
		_cur=$_cur/$_c
		[ -L "$_cur" ] && hook_die "refusing to follow the symlink ${_cur#"$_root"} in the container"
		if [ ! -e "$_cur" ]; then
			[ "${3:-}" = create ] || hook_die "${_cur#"$_root"} does not exist in the container"
			mkdir -m 0755 "$_cur" || hook_die "cannot create ${_cur#"$_root"} in the container"
		fi
		[ -d "$_cur" ] || hook_die "${_cur#"$_root"} is not a directory in the container"
	done
	printf '%s\n' "$_cur"
}

# hook_root_file ROOT PATH: print ROOT/PATH, a regular file reached without symlinks
hook_root_file() {
	_d=$(hook_in_root "$1" "$(dirname "$2")") || exit 1
	_f=$_d/${2##*/}
	[ -L "$_f" ] && hook_die "refusing to follow the symlink $2 in the container"
	[ -f "$_f" ] || hook_die "$2 is not a regular file in the container"
	printf '%s\n' "$_f"
}

# hook_container_user ROOT USER: "UID GID HOME" from the container's own
# /etc/passwd (never the host's NSS); USER may be a name or a number
hook_container_user() {
	_pw=$(hook_root_file "$1" /etc/passwd) || exit 1
	_line=$(awk -F: -v u="$2" '$1 == u || ($3 == u && u ~ /^[0-9]+$/) { print $3, $4, $6; exit }' "$_pw")
	if [ -z "$_line" ]; then
		case $2 in
		*[!0-9]* | '') hook_die "no user \"$2\" in the container's /etc/passwd" ;;
		*) _line="$2 $2 /" ;;
		esac
	fi
	printf '%s\n' "$_line"
}

# hook_container_group ROOT GROUP: its GID from the container's /etc/group
hook_container_group() {
	case $2 in
	*[!0-9]*) ;;
	*) printf '%s\n' "$2" && return 0 ;;
	esac
	_gr=$(hook_root_file "$1" /etc/group) || exit 1
	_gid=$(awk -F: -v g="$2" '$1 == g { print $3; exit }' "$_gr")
	[ -n "$_gid" ] || hook_die "no group \"$2\" in the container's /etc/group"
	printf '%s\n' "$_gid"
}
