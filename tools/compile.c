/* compile.c - `sockaudit compile` (not written yet). */
#include "cmd.h"

int cmd_compile(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error("compile", "not implemented yet");
	return 2;
}
