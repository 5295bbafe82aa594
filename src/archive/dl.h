/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libarchive, loaded when an archive is first opened (dlopen), not linked:
 * libarchive brings libxml2, ICU and libstdc++ with it, and loading them
 * cost every sysc command ~13 ms at startup, attach twice (it re-execs).
 * The files of src/archive include this header instead of <archive.h>;
 * each libarchive call goes through the table, by the same name.
 */
#pragma once

#include <archive.h>
#include <archive_entry.h>

/* Load libarchive and resolve every symbol; 0, or -errno (logged: which
 * library or symbol is missing). Once; later calls return the first result. */
int archive_dl_load(void);

#define ARCHIVE_DL_SYMBOLS(X)                                                                      \
	X(archive_entry_acl_next)                                                                  \
	X(archive_entry_acl_reset)                                                                 \
	X(archive_entry_atime)                                                                     \
	X(archive_entry_atime_is_set)                                                              \
	X(archive_entry_atime_nsec)                                                                \
	X(archive_entry_clone)                                                                     \
	X(archive_entry_copy_hardlink)                                                             \
	X(archive_entry_copy_pathname)                                                             \
	X(archive_entry_copy_stat)                                                                 \
	X(archive_entry_copy_symlink)                                                              \
	X(archive_entry_filetype)                                                                  \
	X(archive_entry_free)                                                                      \
	X(archive_entry_gid)                                                                       \
	X(archive_entry_hardlink)                                                                  \
	X(archive_entry_mtime)                                                                     \
	X(archive_entry_mtime_is_set)                                                              \
	X(archive_entry_mtime_nsec)                                                                \
	X(archive_entry_new)                                                                       \
	X(archive_entry_pathname)                                                                  \
	X(archive_entry_perm)                                                                      \
	X(archive_entry_rdev)                                                                      \
	X(archive_entry_set_filetype)                                                              \
	X(archive_entry_set_gid)                                                                   \
	X(archive_entry_set_mtime)                                                                 \
	X(archive_entry_set_perm)                                                                  \
	X(archive_entry_set_size)                                                                  \
	X(archive_entry_set_uid)                                                                   \
	X(archive_entry_size)                                                                      \
	X(archive_entry_size_is_set)                                                               \
	X(archive_entry_sparse_add_entry)                                                          \
	X(archive_entry_sparse_count)                                                              \
	X(archive_entry_symlink)                                                                   \
	X(archive_entry_uid)                                                                       \
	X(archive_entry_xattr_add_entry)                                                           \
	X(archive_entry_xattr_next)                                                                \
	X(archive_entry_xattr_reset)                                                               \
	X(archive_errno)                                                                           \
	X(archive_error_string)                                                                    \
	X(archive_read_data)                                                                       \
	X(archive_read_data_block)                                                                 \
	X(archive_read_free)                                                                       \
	X(archive_read_new)                                                                        \
	X(archive_read_next_header)                                                                \
	X(archive_read_open_fd)                                                                    \
	X(archive_read_support_filter_all)                                                         \
	X(archive_read_support_format_tar)                                                         \
	X(archive_write_add_filter_gzip)                                                           \
	X(archive_write_add_filter_xz)                                                             \
	X(archive_write_add_filter_zstd)                                                           \
	X(archive_write_close)                                                                     \
	X(archive_write_data)                                                                      \
	X(archive_write_free)                                                                      \
	X(archive_write_header)                                                                    \
	X(archive_write_new)                                                                       \
	X(archive_write_open_fd)                                                                   \
	X(archive_write_set_bytes_in_last_block)                                                   \
	X(archive_write_set_filter_option)                                                         \
	X(archive_write_set_format_pax)

struct archive_dl {
#define ARCHIVE_DL_FIELD(n) __typeof__(n) *n##_fn;
	ARCHIVE_DL_SYMBOLS(ARCHIVE_DL_FIELD)
#undef ARCHIVE_DL_FIELD
};
extern struct archive_dl archive_dl;

#define archive_entry_acl_next		      (archive_dl.archive_entry_acl_next_fn)
#define archive_entry_acl_reset		      (archive_dl.archive_entry_acl_reset_fn)
#define archive_entry_atime		      (archive_dl.archive_entry_atime_fn)
#define archive_entry_atime_is_set	      (archive_dl.archive_entry_atime_is_set_fn)
#define archive_entry_atime_nsec	      (archive_dl.archive_entry_atime_nsec_fn)
#define archive_entry_clone		      (archive_dl.archive_entry_clone_fn)
#define archive_entry_copy_hardlink	      (archive_dl.archive_entry_copy_hardlink_fn)
#define archive_entry_copy_pathname	      (archive_dl.archive_entry_copy_pathname_fn)
#define archive_entry_copy_stat		      (archive_dl.archive_entry_copy_stat_fn)
#define archive_entry_copy_symlink	      (archive_dl.archive_entry_copy_symlink_fn)
#define archive_entry_filetype		      (archive_dl.archive_entry_filetype_fn)
#define archive_entry_free		      (archive_dl.archive_entry_free_fn)
#define archive_entry_gid		      (archive_dl.archive_entry_gid_fn)
#define archive_entry_hardlink		      (archive_dl.archive_entry_hardlink_fn)
#define archive_entry_mtime		      (archive_dl.archive_entry_mtime_fn)
#define archive_entry_mtime_is_set	      (archive_dl.archive_entry_mtime_is_set_fn)
#define archive_entry_mtime_nsec	      (archive_dl.archive_entry_mtime_nsec_fn)
#define archive_entry_new		      (archive_dl.archive_entry_new_fn)
#define archive_entry_pathname		      (archive_dl.archive_entry_pathname_fn)
#define archive_entry_perm		      (archive_dl.archive_entry_perm_fn)
#define archive_entry_rdev		      (archive_dl.archive_entry_rdev_fn)
#define archive_entry_set_filetype	      (archive_dl.archive_entry_set_filetype_fn)
#define archive_entry_set_gid		      (archive_dl.archive_entry_set_gid_fn)
#define archive_entry_set_mtime		      (archive_dl.archive_entry_set_mtime_fn)
#define archive_entry_set_perm		      (archive_dl.archive_entry_set_perm_fn)
#define archive_entry_set_size		      (archive_dl.archive_entry_set_size_fn)
#define archive_entry_set_uid		      (archive_dl.archive_entry_set_uid_fn)
#define archive_entry_size		      (archive_dl.archive_entry_size_fn)
#define archive_entry_size_is_set	      (archive_dl.archive_entry_size_is_set_fn)
#define archive_entry_sparse_add_entry	      (archive_dl.archive_entry_sparse_add_entry_fn)
#define archive_entry_sparse_count	      (archive_dl.archive_entry_sparse_count_fn)
#define archive_entry_symlink		      (archive_dl.archive_entry_symlink_fn)
#define archive_entry_uid		      (archive_dl.archive_entry_uid_fn)
#define archive_entry_xattr_add_entry	      (archive_dl.archive_entry_xattr_add_entry_fn)
#define archive_entry_xattr_next	      (archive_dl.archive_entry_xattr_next_fn)
#define archive_entry_xattr_reset	      (archive_dl.archive_entry_xattr_reset_fn)
#define archive_errno			      (archive_dl.archive_errno_fn)
#define archive_error_string		      (archive_dl.archive_error_string_fn)
#define archive_read_data		      (archive_dl.archive_read_data_fn)
#define archive_read_data_block		      (archive_dl.archive_read_data_block_fn)
#define archive_read_free		      (archive_dl.archive_read_free_fn)
#define archive_read_new		      (archive_dl.archive_read_new_fn)
#define archive_read_next_header	      (archive_dl.archive_read_next_header_fn)
#define archive_read_open_fd		      (archive_dl.archive_read_open_fd_fn)
#define archive_read_support_filter_all	      (archive_dl.archive_read_support_filter_all_fn)
#define archive_read_support_format_tar	      (archive_dl.archive_read_support_format_tar_fn)
#define archive_write_add_filter_gzip	      (archive_dl.archive_write_add_filter_gzip_fn)
#define archive_write_add_filter_xz	      (archive_dl.archive_write_add_filter_xz_fn)
#define archive_write_add_filter_zstd	      (archive_dl.archive_write_add_filter_zstd_fn)
#define archive_write_close		      (archive_dl.archive_write_close_fn)
#define archive_write_data		      (archive_dl.archive_write_data_fn)
#define archive_write_free		      (archive_dl.archive_write_free_fn)
#define archive_write_header		      (archive_dl.archive_write_header_fn)
#define archive_write_new		      (archive_dl.archive_write_new_fn)
#define archive_write_open_fd		      (archive_dl.archive_write_open_fd_fn)
#define archive_write_set_bytes_in_last_block (archive_dl.archive_write_set_bytes_in_last_block_fn)
#define archive_write_set_filter_option	      (archive_dl.archive_write_set_filter_option_fn)
#define archive_write_set_format_pax	      (archive_dl.archive_write_set_format_pax_fn)
