/* The app's own ready point for a snapshot (tincan_ready(), <tincan.h>). */
#include "internal.h"
#include "sched.h"
#include <tincan.h>

int tincan_ready(void)
{
	tc_idle_snapshot = 0; /* the app chose: no automatic point */
	if (!plat_snapshot_wanted())
		return 0;
	/* The host snapshots the guest here and ends; a restore goes on from
	 * it, no longer asked for a snapshot. */
	plat_wait(0, PLAT_EV_SNAPSHOT | PLAT_EV_SNAPSHOT_NOW);
	return !plat_snapshot_wanted();
}
