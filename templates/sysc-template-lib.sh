# shellcheck shell=bash
# sysc-template-lib.sh - helpers shared by the sysc templates.
#
# Sourced (never executed) by templates/sysc-<name>:
#     . "$(dirname "$(readlink -f "$0")")/sysc-template-lib.sh"
# The protocol a template implements is described in templates/README.md.
#
# Conventions: every message goes to stderr prefixed with "sysc-<name>: ";
# tpl_die exits 1 (failure), tpl_usage_error exits 2 (usage error).

# shellcheck disable=SC2034  # TPL_NAME may be set by the template first
TPL_NAME=${TPL_NAME:-${0##*/}}

# Values of the options every template shares (set by tpl_common_option).
# shellcheck disable=SC2034  # used by the templates that source this file
TPL_CMD=
TPL_ROOTFS=
TPL_CNAME=
TPL_PASSWORD_FILE=
TPL_SHIFT=0
TPL_ARGS=()

tpl_log() {
	printf '%s: %s\n' "$TPL_NAME" "$*" >&2
}

tpl_die() {
	printf '%s: error: %s\n' "$TPL_NAME" "$*" >&2
	exit 1
}

tpl_usage_error() {
	printf '%s: %s\n' "$TPL_NAME" "$*" >&2
	printf "Try '%s --help'.\n" "$TPL_NAME" >&2
	exit 2
}

# tpl_expand_args ARGS...: TPL_ARGS = ARGS with "--opt=value" split into
# "--opt" "value", so parsers only deal with the two-word form.
tpl_expand_args() {
	TPL_ARGS=()
	local a
	for a in "$@"; do
		case $a in
		--*=*) TPL_ARGS+=("${a%%=*}" "${a#*=}") ;;
		*) TPL_ARGS+=("$a") ;;
		esac
	done
}

# tpl_need_value OPT NARGS: usage error unless the option has a value after it.
tpl_need_value() {
	if (($2 < 2)); then
		tpl_usage_error "option $1 needs a value"
	fi
}

# tpl_common_option ARGS...: consume one of the options that sysc itself
# passes (--rootfs, --name, --root-password-file). Sets TPL_SHIFT to the
# number of words consumed (0: not a common option).
tpl_common_option() {
	TPL_SHIFT=0
	case $1 in
	--rootfs)
		tpl_need_value "$1" $#
		TPL_ROOTFS=$2
		TPL_SHIFT=2
		;;
	--name)
		tpl_need_value "$1" $#
		TPL_CNAME=$2
		TPL_SHIFT=2
		;;
	--root-password-file)
		tpl_need_value "$1" $#
		TPL_PASSWORD_FILE=$2
		TPL_SHIFT=2
		;;
	esac
}

# tpl_check_common: after parsing, check which common options the
# subcommand in TPL_CMD requires or refuses.
tpl_check_common() {
	case $TPL_CMD in
	cache-key)
		[[ -z $TPL_ROOTFS ]] || tpl_usage_error "option --rootfs is not valid for cache-key"
		[[ -z $TPL_CNAME ]] || tpl_usage_error "option --name is not valid for cache-key"
		# sysc passes the user's options to every call: check the file now,
		# before a long build, though only configure reads it
		[[ -z $TPL_PASSWORD_FILE || -r $TPL_PASSWORD_FILE ]] ||
			tpl_usage_error "option --root-password-file: cannot read '$TPL_PASSWORD_FILE'"
		;;
	build)
		[[ -n $TPL_ROOTFS ]] || tpl_usage_error "build needs --rootfs DIR"
		[[ -z $TPL_CNAME ]] || tpl_usage_error "option --name is not valid for build (the build result is shared by all containers)"
		;;
	configure)
		[[ -n $TPL_ROOTFS ]] || tpl_usage_error "configure needs --rootfs DIR"
		[[ -n $TPL_CNAME ]] || tpl_usage_error "configure needs --name NAME"
		tpl_valid_hostname "$TPL_CNAME" ||
			tpl_usage_error "option --name: '$TPL_CNAME' is not a valid host name (letters, digits, '-' and '.', at most 64 characters)"
		;;
	esac
}

# tpl_valid_hostname NAME
tpl_valid_hostname() {
	[[ ${#1} -le 64 && $1 =~ ^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$ ]]
}

tpl_require_root() {
	[[ $EUID -eq 0 ]] || tpl_die "$TPL_CMD must run as root"
}

# tpl_check_rootfs_empty DIR: DIR must exist, be a directory and be empty.
tpl_check_rootfs_empty() {
	[[ -d $1 ]] || tpl_die "rootfs '$1' does not exist or is not a directory"
	local entries
	entries=$(find "$1" -mindepth 1 -maxdepth 1 -print -quit) ||
		tpl_die "cannot read rootfs '$1'"
	[[ -z $entries ]] || tpl_die "rootfs '$1' is not empty"
}

# tpl_check_rootfs DIR: DIR must look like a root filesystem made by build.
tpl_check_rootfs() {
	[[ -d $1 ]] || tpl_die "rootfs '$1' does not exist or is not a directory"
	[[ -d $1/etc ]] || tpl_die "rootfs '$1' has no /etc: was it made by '$TPL_NAME build'?"
}

# tpl_private_mounts ARGS...: re-execute the template in a private mount
# namespace when it is not in one made for it already, so that mounts made
# during a build (e.g. debootstrap's /proc) never leak to the host even
# when the template is run by hand. sysc already runs templates in a
# private mount namespace; a nested one is harmless.
tpl_private_mounts() {
	if [[ -z ${SYSC_TEMPLATE_UNSHARED-} ]] && command -v unshare >/dev/null 2>&1; then
		export SYSC_TEMPLATE_UNSHARED=1
		exec unshare --mount --propagation private -- "$0" "$@"
	fi
}

# tpl_umount_below DIR: lazily unmount everything mounted at or below DIR,
# deepest first. Best effort.
tpl_umount_below() {
	local dir mnt
	dir=$(readlink -f "$1" 2>/dev/null) || return 0
	[[ -n $dir && $dir != / ]] || return 0
	# mountinfo field 5 is the mount point (octal escapes for blanks).
	while read -r mnt; do
		umount -l "$mnt" 2>/dev/null || true
	done < <(awk -v d="$dir" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r)
}

# tpl_apt_entries: print "SUITE URI" for each suite of every enabled "deb"
# entry in the host's apt sources (deb822 *.sources and one-line *.list).
# SYSC_TEMPLATE_APT_DIR overrides /etc/apt (for tests).
tpl_apt_entries() {
	local d=${SYSC_TEMPLATE_APT_DIR:-/etc/apt}
	local -a files=()
	local f
	for f in "$d"/sources.list.d/*.sources "$d"/sources.list "$d"/sources.list.d/*.list; do
		[[ -r $f ]] && files+=("$f")
	done
	((${#files[@]})) || return 0
	awk '
	function flush(   n, i, s, u) {
		if (types ~ /(^| )deb( |$)/ && tolower(enabled) != "no" && uris != "") {
			split(uris, u, " ")
			n = split(suites, s, " ")
			for (i = 1; i <= n; i++)
				print s[i], u[1]
		}
		types = uris = suites = enabled = field = ""
	}
	FNR == 1 { flush() }
	FILENAME ~ /\.sources$/ {
		if ($0 ~ /^[ \t]*#/) next
		if ($0 ~ /^[ \t]*$/) { flush(); next }
		if ($0 ~ /^[ \t]/) {               # continuation line
			if (field == "uris") uris = uris " " $0
			else if (field == "suites") suites = suites " " $0
			next
		}
		key = tolower($0); sub(/:.*/, "", key)
		val = $0; sub(/^[^:]*:[ \t]*/, "", val)
		field = key
		if (key == "types") types = val
		else if (key == "uris") uris = val
		else if (key == "suites") suites = val
		else if (key == "enabled") enabled = val
		next
	}
	{
		# one-line format: deb [ options ] uri suite component...
		line = $0; sub(/#.*/, "", line)
		n = split(line, w, " ")
		if (n < 3 || w[1] != "deb") next
		i = 2
		if (w[i] ~ /^\[/) { while (i <= n && w[i] !~ /\]$/) i++; i++ }
		if (i + 1 <= n) print w[i + 1], w[i]
	}
	END { flush() }
	' "${files[@]}"
}

# tpl_host_mirror RELEASE: print the URI of the host's Debian mirror: the
# entry for RELEASE, else the bookworm entry, else the first entry for a
# plain suite (not -updates/-security). Prints nothing when none is found.
# The mirror's name is read at run time and never stored in the repository.
tpl_host_mirror() {
	local entries
	entries=$(tpl_apt_entries)
	[[ -n $entries ]] || return 0
	awk -v rel="$1" '
		$1 == rel && !exact { exact = $2 }
		$1 == "bookworm" && !bw { bw = $2 }
		$1 !~ /-/ && !plain { plain = $2 }
		END { u = exact ? exact : (bw ? bw : plain); if (u != "") print u }
	' <<<"$entries"
}

# tpl_host_suite_uri SUITE: the URI of the host's entry for exactly SUITE.
tpl_host_suite_uri() {
	tpl_apt_entries | awk -v s="$1" '$1 == s { print $2; exit }'
}

# tpl_write_identity ROOTFS NAME: /etc/hostname and /etc/hosts for NAME.
tpl_write_identity() {
	printf '%s\n' "$2" >"$1/etc/hostname"
	cat >"$1/etc/hosts" <<EOF
127.0.0.1	localhost
127.0.1.1	$2
::1		localhost ip6-localhost ip6-loopback
ff02::1		ip6-allnodes
ff02::2		ip6-allrouters
EOF
}

# tpl_read_password FILE: set TPL_PASSWORD to the first line of FILE.
tpl_read_password() {
	TPL_PASSWORD=
	[[ -r $1 ]] || tpl_die "cannot read the root password file '$1'"
	IFS= read -r TPL_PASSWORD <"$1" || [[ -n $TPL_PASSWORD ]] ||
		tpl_die "root password file '$1' is empty"
	TPL_PASSWORD=${TPL_PASSWORD%$'\r'}
	[[ -n $TPL_PASSWORD ]] || tpl_die "root password file '$1' starts with an empty line"
}

# tpl_set_shadow_hash ROOTFS USER HASH: put HASH (a crypt(3) string) as
# USER's password in ROOTFS/etc/shadow, keeping the other fields.
tpl_set_shadow_hash() {
	local shadow=$1/etc/shadow user=$2 hash=$3 line found=0 tmp
	[[ $hash =~ ^[^:[:space:]]+$ ]] || tpl_die "invalid password hash for $user"
	[[ -f $shadow ]] || tpl_die "$shadow does not exist"
	tmp=$shadow.sysc-tmp
	{
		while IFS= read -r line || [[ -n $line ]]; do
			if [[ $line == "$user":* ]]; then
				local rest=${line#*:}
				rest=${rest#*:}
				line="$user:$hash:$rest"
				found=1
			fi
			printf '%s\n' "$line"
		done <"$shadow"
	} >"$tmp" || tpl_die "cannot write $tmp"
	if ((!found)); then
		rm -f "$tmp"
		tpl_die "no '$user' entry in $shadow"
	fi
	chmod --reference="$shadow" "$tmp" 2>/dev/null || chmod 600 "$tmp"
	mv -f "$tmp" "$shadow"
}
