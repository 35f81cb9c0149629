/* learn.c - `sockaudit learn` (not written yet). */
#include "cmd.h"

int cmd_learn(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error("learn", "not implemented yet");
	return 2;
}
