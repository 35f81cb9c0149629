# SPDX-License-Identifier: MIT
# Landlock's backstop: its unit test compiles tools/landlock.c in (unit tests
# link only libcore.a), so it depends on that file too.
$(B)/tests/test_landlock: tools/landlock.c tools/landlock.h
