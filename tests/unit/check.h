/* SPDX-License-Identifier: MIT */
/* check.h - a minimal TAP test harness for the C unit tests.
 *
 *   CHECK(cond, "name %d", i);        one TAP line, ok or not ok
 *   CHECK_STR(got, want, "name");     strings equal (NULL-safe)
 *   CHECK_INT(got, want, "name");
 *   return check_done();              prints the plan, exit status
 *
 * Output is TAP, so tests/run-tests.sh counts unit tests and bats alike.
 */
#ifndef SOCKAUDIT_CHECK_H
#define SOCKAUDIT_CHECK_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int check_count, check_failed;

static inline int __attribute__((format(printf, 2, 3)))
check_report(int ok, const char *fmt, ...)
{
	va_list ap;

	check_count++;
	if (!ok)
		check_failed++;
	printf("%sok %d - ", ok ? "" : "not ", check_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	return ok;
}

#define CHECK(cond, ...) check_report(!!(cond), __VA_ARGS__)

#define CHECK_STR(got, want, ...)						\
	do {									\
		const char *got_ = (got), *want_ = (want);			\
		int ok_ = (!got_ && !want_) ||					\
			  (got_ && want_ && strcmp(got_, want_) == 0);		\
		if (!check_report(ok_, __VA_ARGS__))				\
			printf("#   got:  %s\n#   want: %s\n",			\
			       got_ ? got_ : "(null)", want_ ? want_ : "(null)"); \
	} while (0)

#define CHECK_INT(got, want, ...)						\
	do {									\
		long long got_ = (got), want_ = (want);				\
		if (!check_report(got_ == want_, __VA_ARGS__))			\
			printf("#   got:  %lld\n#   want: %lld\n", got_, want_); \
	} while (0)

static inline int check_done(void)
{
	printf("1..%d\n", check_count);
	return check_failed ? 1 : 0;
}

#endif
