/* eval.c - `sockaudit eval` (not written yet). */
#include "cmd.h"

int cmd_eval(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error("eval", "not implemented yet");
	return 2;
}
