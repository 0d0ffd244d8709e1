#!/usr/bin/env bash
# config-seeds.sh - fuzz_config's seed corpus (one file per key family,
# tests/fuzz/config-seeds.sh) covers every key of the table and is current.
# guest-lane: skip - a check of files in the checkout against the key table: the same on every host
. "$(dirname "$0")/../lib.sh"
hk_begin config-seeds config-seeds notmp
check "fuzz_config seeds cover every key and are current" bash "$HK_TOP/tests/fuzz/config-seeds.sh" --check "$HAKO"
plan_end
