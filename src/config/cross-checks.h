/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Internal to src/config: the cross-key checks (cross-checks.c). The list
 * checks are the check_list of their key in the schema table; each logs its
 * errors with conf_error (diag.h), displayed as disp.
 */
#pragma once

#include <libconfig.h>

struct conf_ctx;

void conf_check_network(struct conf_ctx *ctx, const config_setting_t *list, const char *disp);
void conf_check_mounts(struct conf_ctx *ctx, const config_setting_t *list, const char *disp);
void conf_check_idmap(struct conf_ctx *ctx, const config_setting_t *list, const char *disp);
/* net.* entries of the sysctl list with the host's network (a network entry
 * of type "none"). */
void conf_check_sysctl_netns(struct conf_ctx *ctx, const config_setting_t *list,
			     const config_setting_t *net);
/* ports: the same host port twice (the same address, or one of them every
 * address), and ports without a veth entry in network. */
void conf_check_ports(struct conf_ctx *ctx, const config_setting_t *ports,
		      const config_setting_t *net);
