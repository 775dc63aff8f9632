#!/bin/sh
# prove runs bats files through this.
exec bats --tap "$(dirname "$0")/ipv6.bats"
