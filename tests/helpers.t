#!/bin/sh
# prove runs bats files through this.
exec bats --tap "$(dirname "$0")/helpers.bats"
