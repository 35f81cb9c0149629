/* run.c - `sockaudit run` (not written yet). */
#include "cmd.h"

int cmd_run(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error("run", "not implemented yet");
	return 2;
}
