/* SPDX-License-Identifier: MIT */
/* validate.h - checks across rules (private to policy/). */
#ifndef SOCKAUDIT_VALIDATE_H
#define SOCKAUDIT_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

#include "rules.h"

/* Where rule N's parts were found, and whether it parsed without error. */
struct rule_where {
	int id_line, id_col;	/* 0 when the rule has no id */
	bool ok;
};

/* Errors for duplicate rule ids (with a note at the first use) and, when
 * LINT and no id is repeated, warnings for rules an earlier rule makes
 * unreachable; appended to D in rule order.  Rules whose WHERE[i].ok is
 * false are left out.  Returns 0 or -ENOMEM. */
int validate_rules(const struct policy_rule *rules, const struct rule_where *where,
		   size_t n, struct policy_diags *d, bool lint);

/* A rule as messages name it: "rule 'ID'" or "rules[N]", into BUF. */
const char *validate_rule_name(const struct policy_rule *r, size_t index,
			       char *buf, size_t cap);

#endif
