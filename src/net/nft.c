/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "net/nft.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strv.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the parts of libnftables.h used here (libnftables1 keeps this ABI) */
struct nft_ctx;
static struct {
	struct nft_ctx *(*ctx_new)(uint32_t flags);
	void (*ctx_free)(struct nft_ctx *ctx);
	int (*buffer_output)(struct nft_ctx *ctx);
	const char *(*get_output_buffer)(struct nft_ctx *ctx);
	int (*buffer_error)(struct nft_ctx *ctx);
	const char *(*get_error_buffer)(struct nft_ctx *ctx);
	int (*run_cmd_from_buffer)(struct nft_ctx *ctx, const char *buf);
} nft;

static int nft_load(void)
{
	static int result = 1;
	void *h;

	if (result <= 0)
		return result;
	h = dlopen("libnftables.so.1", RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
	if (!h) {
		log_error("cannot load libnftables (package libnftables1): %s", dlerror());
		return result = -ENOENT;
	}
#define NFT_SYM(field, sym)                                                                        \
	if (!(nft.field = (__typeof__(nft.field))dlsym(h, sym))) {                                 \
		log_error("libnftables has no %s: %s", sym, dlerror());                            \
		return result = -ENOENT;                                                           \
	}
	NFT_SYM(ctx_new, "nft_ctx_new");
	NFT_SYM(ctx_free, "nft_ctx_free");
	NFT_SYM(buffer_output, "nft_ctx_buffer_output");
	NFT_SYM(get_output_buffer, "nft_ctx_get_output_buffer");
	NFT_SYM(buffer_error, "nft_ctx_buffer_error");
	NFT_SYM(get_error_buffer, "nft_ctx_get_error_buffer");
	NFT_SYM(run_cmd_from_buffer, "nft_run_cmd_from_buffer");
#undef NFT_SYM
	return result = 0;
}

static void nft_ctx_freep(struct nft_ctx **c)
{
	if (*c)
		nft.ctx_free(*c);
}

/* Run script; its output in *ret_out (when not NULL), nft's error text in
 * *ret_err. */
static int nft_exec(const char *script, char **ret_out, char **ret_err)
{
	__attribute__((cleanup(nft_ctx_freep))) struct nft_ctx *c = NULL;
	int r;

	r = nft_load();
	if (r < 0)
		return r;
	c = nft.ctx_new(0);
	if (!c)
		return -ENOMEM;
	if (nft.buffer_output(c) < 0 || nft.buffer_error(c) < 0)
		return -ENOMEM;
	r = nft.run_cmd_from_buffer(c, script);
	if (ret_out) {
		*ret_out = strdup(nft.get_output_buffer(c) ?: "");
		if (!*ret_out)
			return -ENOMEM;
	}
	*ret_err = strdup(nft.get_error_buffer(c) ?: "");
	if (!*ret_err)
		return -ENOMEM;
	return r == 0 ? 0 : -EINVAL;
}

int nft_run(const char *what, const char *script)
{
	_cleanup_free_ char *err = NULL;
	int r;

	r = nft_exec(script, NULL, &err);
	if (r == -EINVAL) {
		size_t n = strlen(err);

		while (n && err[n - 1] == '\n')
			err[--n] = '\0';
		log_error("%s: nftables refused the rules: %s", what, err);
	} else if (r < 0 && r != -ENOENT) {
		log_error_errno(r, "%s: cannot run nftables: %m", what);
	}
	return r;
}

static int nft_vappend(char **script, const char *fmt, va_list ap)
{
	_cleanup_free_ char *add = NULL;
	char *n;

	if (vasprintf(&add, fmt, ap) < 0)
		return -ENOMEM;
	n = str_printf("%s%s", *script ?: "", add);
	if (!n)
		return -ENOMEM;
	free(*script);
	*script = n;
	return 0;
}

int nft_append(char **script, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = nft_vappend(script, fmt, ap);
	va_end(ap);
	return r;
}

int nft_runf(const char *what, const char *fmt, ...)
{
	_cleanup_free_ char *script = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = nft_vappend(&script, fmt, ap);
	va_end(ap);
	if (r < 0)
		return log_error_errno(r, "nftables: %m");
	return nft_run(what, script);
}

int nft_query(const char *cmd, char **ret)
{
	_cleanup_free_ char *out = NULL, *err = NULL;
	int r;

	r = nft_exec(cmd, &out, &err);
	if (r == -EINVAL && strstr(err, "No such file or directory"))
		return -ENOENT;
	if (r == -EINVAL) {
		log_error("nftables: %s: %s", cmd, err);
		return r;
	}
	if (r < 0)
		return r;
	*ret = out;
	out = NULL;
	return 0;
}

int nft_table_drop_if_unused(const char *family)
{
	_cleanup_free_ char *list = NULL, *cmd = NULL;
	int r;

	if (asprintf(&cmd, "list table %s " NFT_TABLE, family) < 0)
		return log_error_errno(-ENOMEM, "nftables: %m");
	r = nft_query(cmd, &list);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	/* a rule is an indented line inside a chain; an element list shows
	 * as "elements = { ... }" */
	for (const char *l = list; l && *l;) {
		const char *e = strchrnul(l, '\n');
		const char *t = l;

		while (t < e && (*t == '\t' || *t == ' '))
			t++;
		if ((size_t)(t - l) >= 2 && t < e && strncmp(t, "type ", 5) &&
		    strncmp(t, "policy ", 7) && strncmp(t, "flags ", 6) && *t != '}' &&
		    strncmp(t, "chain ", 6) && strncmp(t, "set ", 4) && strncmp(t, "map ", 4))
			return 0;
		l = *e ? e + 1 : e;
	}
	return nft_runf("removing sysc's nftables table", "delete table %s " NFT_TABLE, family);
}
