/* names.c - `sockaudit names` (not written yet). */
#include "cmd.h"

int cmd_names(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error("names", "not implemented yet");
	return 2;
}
