#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The one UTF-8 check (json/utf8.h) across the tools: what one part writes,
# another accepts.

load helper
bats_require_minimum_version 1.5.0

@test "utf8: learn escapes an exe holding a surrogate's bytes, and check accepts the policy" {
	# ED A0 80 is a UTF-16 surrogate encoded as UTF-8: invalid UTF-8 (RFC
	# 3629), which the event writer escapes byte by byte.  A laxer check in
	# learn copied the bytes raw, into a policy its own check rejects.
	printf '%s\n' '{"v":1,"seq":1,"ts":"2026-11-24T04:05:06.123456789Z","event":"socket.__new__","args":[3,2,1,0],"call":"socket","family":"AF_INET","type":"SOCK_STREAM","flags":[],"protocol":"IPPROTO_TCP","result":3,"errno":null,"decision":"allow","rule":null,"mode":"enforce","pid":1,"tid":1,"ppid":0,"exe":"/opt/x\u00ed\u00a0\u0080y","comm":"x","layer":"preload"}' > log
	run -0 "$SOCKAUDIT" learn --per-exe -o p.json log
	run -0 "$SOCKAUDIT" check p.json
	run -0 grep -c '"exe": "/opt/x\\u00ed\\u00a0\\u0080y"' p.json
	assert_output 1
}
