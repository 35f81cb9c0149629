/* SPDX-License-Identifier: MIT */
/* default.c - the embedded default policy, and the policy's accessors.
 *
 * The default is policy/examples/audit-all.json compiled in: audit mode,
 * allow and log everything (test_match checks that both decide alike).  It
 * is static data, so the shim has a policy before it could allocate one.
 */
#include "rules.h"

static const struct policy default_policy = {
	.version = 1,
	.mode = POLICY_AUDIT,
	.default_action = POLICY_ALLOW,
	.default_err = 0,
	.default_log = true,
	.default_events = RULE_EV_ALL,
	/* Audit mode denies nothing, io_uring_setup included. */
	.io_uring_allow = false,
	.comment = "embedded default: audit mode, allow and log everything",
	.rules = NULL,
	.n_rules = 0,
	.mem = NULL,
};

const struct policy *policy_default(void)
{
	return &default_policy;
}

enum policy_mode policy_mode(const struct policy *p)
{
	return p->mode;
}

void policy_set_mode(struct policy *p, enum policy_mode mode)
{
	p->mode = mode;
}

size_t policy_rule_count(const struct policy *p)
{
	return p->n_rules;
}

bool policy_io_uring_allowed(const struct policy *p)
{
	return p->io_uring_allow;
}

void policy_default_decision(const struct policy *p, struct policy_decision *d)
{
	d->action = p->default_action;
	d->err = p->default_err;
	d->log = p->default_log;
	d->rule = -1;
	d->rule_id = NULL;
}

void policy_default_for(const struct policy *p, enum policy_event event,
			struct policy_decision *d)
{
	policy_default_decision(p, d);
	if ((unsigned)event < POLICY_EV_COUNT &&
	    !(p->default_events & RULE_EV_BIT(event))) {
		d->action = POLICY_ALLOW;
		d->err = 0;
	}
}

void policy_fields(const struct policy *p, struct policy_fields *f)
{
	*f = (struct policy_fields){ .default_events = p->default_events };
	for (size_t i = 0; i < p->n_rules; i++) {
		f->addresses += p->rules[i].n_addrs > 0;
		f->ports += p->rules[i].n_ports > 0;
		f->hosts += p->rules[i].n_hosts > 0;
	}
}
