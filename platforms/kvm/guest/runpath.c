/* Where this build's tincan-run lives, for images exec'd directly by Linux
 * (see hostexec.c).  Compiled per build tree and per install prefix. */
#ifndef TINCAN_RUN_PATH
#define TINCAN_RUN_PATH ""
#endif
const char __tincan_monitor_path[] = TINCAN_RUN_PATH;
