/* check.c - `sockaudit check` (not written yet). */
#include "cmd.h"

int cmd_check(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error("check", "not implemented yet");
	return 2;
}
