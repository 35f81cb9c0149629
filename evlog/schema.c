/* SPDX-License-Identifier: MIT */
/* schema.c - the words of the schema's enums, see schema.h. */
#include <string.h>

#include "names.h"
#include "schema.h"

#define EVENT_WORD_(name, word) [name] = word,
static const char *const decision_words[EVENT_DECISION_COUNT] = {
	EVENT_DECISIONS(EVENT_WORD_)
};
static const char *const layer_words[EVENT_LAYER_COUNT] = {
	EVENT_LAYERS(EVENT_WORD_)
};
#undef EVENT_WORD_

enum event_decision event_decision_of(const struct policy_decision *d, enum policy_mode m)
{
	if (d->action == POLICY_ALLOW)
		return EVENT_ALLOW;
	if (m == POLICY_AUDIT)
		return EVENT_WOULD_DENY;
	return d->action == POLICY_KILL ? EVENT_KILL : EVENT_DENY;
}

const char *event_decision_word(enum event_decision d)
{
	return (unsigned)d < EVENT_DECISION_COUNT ? decision_words[d] : "?";
}

const char *event_layer_word(enum event_layer l)
{
	return (unsigned)l < EVENT_LAYER_COUNT ? layer_words[l] : "?";
}

const char *event_name_word(enum policy_event e)
{
	const char *w = names_name(NAMES_EVENT, (int)e);

	return w ? w : "?";
}

static int word_index(const char *const *words, int count, const char *s, size_t n)
{
	for (int i = 0; i < count; i++)
		if (strlen(words[i]) == n && !memcmp(words[i], s, n))
			return i;
	return -1;
}

int event_decision_parse(const char *s, size_t n)
{
	return word_index(decision_words, EVENT_DECISION_COUNT, s, n);
}

int event_layer_parse(const char *s, size_t n)
{
	return word_index(layer_words, EVENT_LAYER_COUNT, s, n);
}

int event_name_parse(const char *s, size_t n)
{
	size_t count;
	const struct names_entry *e = names_table_entries(NAMES_EVENT, &count);

	for (size_t i = 0; i < count; i++)
		if (strlen(e[i].name) == n && !memcmp(e[i].name, s, n))
			return e[i].value;
	return -1;
}
