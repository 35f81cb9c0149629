# SPDX-License-Identifier: MIT
# tools/table.c, what people read of events: its unit test compiles it in
# (unit tests link only libcore.a).
$(B)/tests/test_table: tools/table.c tools/table.h
