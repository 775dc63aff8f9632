#!/bin/sh
# prove runs bats files through this; the whole file is bounded.
exec timeout 300 bats --tap "$(dirname "$0")/fleet.bats"
