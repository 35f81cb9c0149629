/* report.c - `sockaudit report` (not written yet). */
#include "cmd.h"

int cmd_report(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error("report", "not implemented yet");
	return 2;
}
