/* SPDX-License-Identifier: MIT */
/* schema.h - what an event line is made of (schema version 1): the version
 * both the writer (event.c) and the reader (logread.c) use, and the enums
 * whose words events carry, each enum and its words in one table.
 *
 * The event itself is policy.h's enum policy_event (policies match on it);
 * its words are the names table's NAMES_EVENT ("socket.__new__", ...).
 * Everything here is static data: safe in the shim's hot path.
 */
#ifndef SOCKAUDIT_SCHEMA_H
#define SOCKAUDIT_SCHEMA_H

#include <stddef.h>

#include "policy.h"

#define EVENT_SCHEMA_VERSION 1

/* The "event" of the loss record (event.h's event_format_loss), a line of
 * a log that is not an event. */
#define EVENT_LOSS_WORD "sockaudit.lost"

/* The "event" of the seal record (event.h's event_format_seal): the last
 * line of a run's chain of seals. */
#define EVENT_SEAL_WORD "sockaudit.seal"

/* "decision": what the policy made of the call, the mode applied. */
#define EVENT_DECISIONS(X)			\
	X(EVENT_ALLOW, "allow")			\
	X(EVENT_DENY, "deny")			\
	X(EVENT_WOULD_DENY, "would_deny")	/* audit mode */ \
	X(EVENT_KILL, "kill")

/* "layer": which layer wrote the event. */
#define EVENT_LAYERS(X)				\
	X(EVENT_PRELOAD, "preload")		\
	X(EVENT_NOTIFY, "notify")

#define EVENT_ENUM_(name, word) name,
enum event_decision { EVENT_DECISIONS(EVENT_ENUM_) EVENT_DECISION_COUNT };
enum event_layer { EVENT_LAYERS(EVENT_ENUM_) EVENT_LAYER_COUNT };
#undef EVENT_ENUM_

/* The decision an event records for policy decision D under mode M: audit
 * mode stops nothing, so a deny or a kill is only a would_deny. */
enum event_decision event_decision_of(const struct policy_decision *d, enum policy_mode m);

/* The words ("allow", "preload", "socket.__new__"), "?" out of range. */
const char *event_decision_word(enum event_decision d);
const char *event_layer_word(enum event_layer l);
const char *event_name_word(enum policy_event e);

/* Which word S (N bytes, not NUL-terminated) is: its enum value, or -1. */
int event_decision_parse(const char *s, size_t n);
int event_layer_parse(const char *s, size_t n);
int event_name_parse(const char *s, size_t n);

#endif
