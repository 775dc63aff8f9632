/* The monitor's device modules, in the order they are set up and listed in --help. */
#include "module.h"

extern const struct module console_module, tap_module, net_module, blk_module, dir_module, ready_module;

const struct module *const modules[] = { &console_module, &tap_module,	 &net_module, &blk_module,
					 &dir_module,	  &ready_module, NULL };
