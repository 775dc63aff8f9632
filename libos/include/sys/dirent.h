/*
 * Directory streams for <dirent.h> (newlib's generic sys/dirent.h is an
 * #error): Linux's struct dirent fields; DIR is opaque (libos/dir.c).
 */
#ifndef TINCAN_SYS_DIRENT_H
#define TINCAN_SYS_DIRENT_H

#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct dirent {
	ino_t d_ino;
	off_t d_off; /* telldir() after this entry */
	unsigned short d_reclen;
	unsigned char d_type; /* DT_* */
	char d_name[256];
};

#define _DIRENT_HAVE_D_TYPE
#define _DIRENT_HAVE_D_OFF
#define _DIRENT_HAVE_D_RECLEN

#define DT_UNKNOWN 0
#define DT_FIFO 1
#define DT_CHR 2
#define DT_DIR 4
#define DT_BLK 6
#define DT_REG 8
#define DT_LNK 10
#define DT_SOCK 12
#define IFTODT(mode) (((mode)&0170000) >> 12)
#define DTTOIF(type) ((type) << 12)

typedef struct __tincan_dir DIR;

#ifdef __cplusplus
}
#endif
#endif
