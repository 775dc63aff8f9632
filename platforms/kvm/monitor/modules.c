/* The monitor's device modules, in the order they are set up and listed in
 * --help; tincan-run-debug adds the debug modules (debug/, debug.h). */
#include "module.h"

extern const struct module console_module, tap_module, net_module, blk_module, dir_module, ready_module;
#ifdef TINCAN_DEBUG
extern const struct module stats_module, metrics_module, core_module, profile_module, gdb_module;
#endif

const struct module *const modules[] = { &console_module,
					 &tap_module,
					 &net_module,
					 &blk_module,
					 &dir_module,
					 &ready_module,
#ifdef TINCAN_DEBUG
					 &stats_module,
					 &metrics_module,
					 &core_module,
					 &profile_module,
					 &gdb_module,
#endif
					 NULL };
