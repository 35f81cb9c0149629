# SPDX-License-Identifier: MIT
# `sockaudit run`: its unit test compiles tools/run_cli.c in (unit tests link
# only libcore.a), so it depends on that file too.
$(B)/tests/test_run_cli: tools/run_cli.c tools/run_cli.h tools/run.h
