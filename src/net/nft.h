/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sysc's nftables rules. Everything sysc puts into nftables lives in its
 * own tables named "sysc" (NFT_TABLE: family inet for NAT, forwarding and
 * port forwards; family bridge for what must see bridged frames); nothing
 * of sysc's is ever added to another table. libnftables is loaded with
 * dlopen() on the first call, so commands that never touch nftables do not
 * map it (it brings libnftnl, libmnl, libjansson, libgmp and libxtables).
 * src/net is the only user.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define NFT_TABLE "sysc"

/* Run one nft script (the nft(8) language; several commands separated by
 * newlines, applied as one transaction). On failure logs nft's message,
 * prefixed by what (e.g. "port forward tcp:8080:80 of web"), and returns
 * -errno (-ENOENT: libnftables is not installed: package libnftables1). */
int nft_run(const char *what, const char *script);
/* The same, the script from a format. */
int nft_runf(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Add the text of a format at the end of *script (NULL: empty), to build a
 * script piece by piece: 0 or -ENOMEM. */
int nft_append(char **script, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Run a listing command (e.g. "list table inet sysc") and return its
 * output (malloc'ed). A table that does not exist: -ENOENT, nothing logged. */
int nft_query(const char *cmd, char **ret);
/* Delete table FAMILY sysc if it holds no rule and no set element any more;
 * a table that does not exist is fine. */
int nft_table_drop_if_unused(const char *family);
