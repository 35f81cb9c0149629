/* replay.c - `sockaudit eval POLICY LOG...` (not written yet). */
#include "cmd.h"

int cmd_eval_replay(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error("eval", "log replay not implemented yet");
	return 2;
}
