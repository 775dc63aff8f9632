# tincan: `make` builds the tools into build/bin and each app into build/apps/NAME.tc.
# Targets: all run test bench install clean.  V=1 shows full commands.
# PLATFORM=NAME builds for platforms/NAME (default kvm); platforms/NAME/platform.mk
# says what that platform adds: its guest side, linker script and host tools.

B := build
# Only `make PLATFORM=NAME` or TINCAN_PLATFORM=NAME in the environment choose:
# a PLATFORM variable some CI sets for its own ends (x64...) is ignored.
ifneq ($(origin PLATFORM),command line)
PLATFORM := $(or $(TINCAN_PLATFORM),kvm)
endif
PREFIX ?= /usr/local
# make install as root registers tincan images with binfmt_misc (BINFMT=0: not).
BINFMT ?= 1
APP ?= hello
ARGS ?=

HOSTCC ?= gcc
MUSLCC ?= musl-gcc
WARN := -Wall -Wextra -Werror
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo dev)
# Deferred: on a fresh machine gcc may only exist once `deps` has run.
GCCINC = $(shell $(HOSTCC) -print-file-name=include)

ifeq ($(V),1)
Q :=
say = @true
else
Q := @
say = @printf '  %-8s %s\n' $(1) $(2)
endif

all: deps

# Host packages: installed by toolchain/deps.sh when root, else it says what to install.
deps:
	@toolchain/deps.sh $(if $(filter test,$(MAKECMDGOALS)),test,$(if $(filter bench,$(MAKECMDGOALS)),bench,build)) $(PLATFORM)

ifeq ($(wildcard platforms/$(PLATFORM)/platform.mk),)
$(error PLATFORM=$(PLATFORM): no platforms/$(PLATFORM)/platform.mk (platforms: $(notdir $(patsubst %/platform.mk,%,$(wildcard platforms/*/platform.mk)))))
endif

# Toolchain output: shared parts in $(T), per-platform parts in $(TP).
T := $(B)/lib/tincan
TP := $(T)/$(PLATFORM)
NEWLIB := $(T)/newlib/.stamp

# Flags for everything that runs in a guest: one list, shared with tincan-cc.
TARGET_CFLAGS := $(shell grep -hv '^\#' toolchain/target.cflags $(wildcard platforms/$(PLATFORM)/target.cflags))
TARGET_LDFLAGS := $(shell grep -hv '^\#' toolchain/target.ldflags)

# ---- host tools: static musl binaries ---------------------------------------
# mkimage/ is the platform-neutral image layer (tincan/image.h, the ELF
# reader, size parsing); host tools of every platform build on it.
KINC := $(B)/kinc
MKIMAGE_SRC := mkimage/main.c mkimage/elfimage.c mkimage/size.c mkimage/rootfs.c mkimage/iso.c mkimage/oci.c mkimage/mkutil.c
MUSL_CFLAGS := -std=c11 $(WARN) -Os -D_GNU_SOURCE -Imkimage -Imkimage/include -isystem $(KINC) -MMD -MP \
	-fno-asynchronous-unwind-tables -ffunction-sections -fdata-sections -DTINCAN_VERSION='"$(VERSION)"'

$(KINC)/.stamp: | deps
	$(Q)mkdir -p $(KINC)
	$(Q)for d in /usr/include/linux /usr/include/x86_64-linux-gnu/asm /usr/include/asm-generic; do \
		test -d $$d || { echo "missing $$d: install linux-libc-dev" >&2; exit 1; }; \
		ln -sfn $$d $(KINC)/; done
	$(Q)touch $@

$(B)/musl/%.o: %.c $(KINC)/.stamp Makefile
	$(call say,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(MUSLCC) $(MUSL_CFLAGS) -c $< -o $@

$(B)/bin/tincan-mkimage: $(patsubst %.c,$(B)/musl/%.o,$(MKIMAGE_SRC))
	$(call say,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(MUSLCC) -static -s -Wl,--gc-sections -Wl,-z,noseparate-code -o $@ $^

# tincan-mkfs makes and checks block-device file systems; it shares the
# format code (libos/fs/logfs.c, plain C) with the guest's file system.
MKFS_SRC := mkimage/mkfs.c mkimage/size.c libos/fs/logfs.c
$(B)/musl/mkimage/mkfs.o: MUSL_CFLAGS += -Ilibos/fs
$(B)/bin/tincan-mkfs: $(patsubst %.c,$(B)/musl/%.o,$(MKFS_SRC))
	$(call say,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(MUSLCC) -static -s -Wl,--gc-sections -Wl,-z,noseparate-code -o $@ $^

# ---- the toolchain: newlib from Debian, cached by recipe hash ----------------
$(NEWLIB): toolchain/newlib.sh | deps
	$(Q)toolchain/newlib.sh $(T)/newlib
	$(Q)touch $@

# Empty archives for libraries that configure scripts and Makefiles name but
# that live inside libc here, and the (empty) sysroot that keeps glibc away.
COMPAT_LIBS := $(addprefix $(T)/lib/lib,$(addsuffix .a,pthread rt dl util crypt))
$(COMPAT_LIBS):
	$(Q)mkdir -p $(@D) $(T)/sysroot
	$(Q)rm -f $@ && ar rcs $@

HEADERS := $(patsubst libos/include/%,$(T)/include/%,libos/include/tincan.h libos/include/sys/random.h \
	libos/include/sys/features.h libos/include/sys/_pthreadtypes.h libos/include/pthread.h \
	libos/include/sys/socket.h libos/include/netinet/in.h libos/include/netinet/tcp.h \
	libos/include/arpa/inet.h libos/include/poll.h libos/include/netdb.h \
	libos/include/sys/dirent.h libos/include/sys/statvfs.h libos/include/sys/stat.h \
	libos/include/sys/utsname.h libos/include/sys/resource.h libos/include/sys/file.h libos/include/syslog.h \
	libos/include/dlfcn.h libos/include/time.h libos/include/sys/eventfd.h libos/include/sys/mman.h \
	libos/include/sys/uio.h libos/include/sys/un.h libos/include/sys/termios.h libos/include/sys/ioctl.h \
	libos/include/net/if.h libos/include/sys/epoll.h libos/include/tincan/netfn.h)
HEADERS += $(T)/include/sys/signal.h $(T)/include/setjmp.h
HEADERS += $(T)/include/ifaddrs.h
HEADERS += $(T)/include/math.h $(T)/include/glob.h $(T)/include/regex.h $(T)/include/errno.h
HEADERS += $(T)/include/sys/select.h $(T)/include/limits.h
$(T)/include/%: libos/include/%
	$(Q)mkdir -p $(@D)
	$(Q)cp $< $@

# ---- libos and the platform's guest side, as one object ----------------------
# Compiled against newlib's headers; partially linked into libos.o where
# every symbol not in libos/exports.txt is made local, so libos names never
# collide with the app's.  libos sees only libos/ (its headers and
# tincan/platform.h); the platform's guest side also sees the image layer
# (mkimage/include) and platforms/common/guest.
GUEST_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) -O2 -nostdinc -Ilibos -Ilibos/include \
	-isystem $(T)/newlib/include -isystem $(GCCINC) $(TARGET_CFLAGS) -fno-unwind-tables -Wa,--noexecstack -MMD -MP
GB := $(B)/guest/$(PLATFORM)
include platforms/$(PLATFORM)/platform.mk
COMMON_GUEST_SRC := $(wildcard platforms/common/guest/*.c) \
	$(foreach d,$(PLAT_DRIVERS),$(wildcard platforms/common/drivers/$(d)/*.c))
LIBOS_SRC := $(wildcard libos/*.c libos/vfs/*.c libos/fs/*.c libos/arch/x86_64/*.c) libos/arch/x86_64/switch.S
PLAT_OBJ := $(patsubst %,$(GB)/%.o,$(basename $(PLAT_GUEST_SRC) $(COMMON_GUEST_SRC)))
LIBOS_OBJ := $(patsubst %,$(GB)/%.o,$(basename $(LIBOS_SRC))) $(PLAT_OBJ)
$(PLAT_OBJ): GUEST_CFLAGS += -Imkimage/include -Iplatforms/common/guest
$(GB)/platforms/common/guest/manifest.o: GUEST_CFLAGS += $(PLAT_MANIFEST_CFLAGS)
# The embedded tree's reader knows the image format (manifest, tree layout).
$(GB)/libos/fs/rofs.o $(GB)/libos/fs/rofs_tree.o: GUEST_CFLAGS += -Imkimage/include
# The allocator front: gcc would turn its malloc+memset into a call to calloc, itself.
$(GB)/libos/mcache.o: GUEST_CFLAGS += -fno-builtin-malloc -fno-builtin-calloc
# String routines: gcc would turn their loops into calls to themselves.
$(GB)/libos/string.o: GUEST_CFLAGS += -fno-builtin -fno-tree-loop-distribute-patterns
# uname()'s release is the build's version.
$(GB)/libos/uname.o: GUEST_CFLAGS += -DTINCAN_VERSION='"$(VERSION)"'

$(GB)/%.o: %.c $(NEWLIB) Makefile platforms/$(PLATFORM)/platform.mk toolchain/target.cflags
	$(call say,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(HOSTCC) $(GUEST_CFLAGS) -c $< -o $@
$(GB)/%.o: %.S
	$(call say,AS,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(HOSTCC) $(GUEST_CFLAGS) -c $< -o $@

# Rewritten only when the set of sources changes, so deleting one relinks.
$(GB)/libos.list: FORCE
	$(Q)mkdir -p $(@D)
	$(Q)echo '$(LIBOS_OBJ)' | cmp -s - $@ || echo '$(LIBOS_OBJ)' > $@

$(TP)/libos.o: $(LIBOS_OBJ) libos/exports.txt $(GB)/libos.list
	$(call say,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)ld -r --unique -o $@.all $(LIBOS_OBJ) # --unique: statics of the same name stay apart for --gc-sections
	$(Q)objcopy --keep-global-symbols=libos/exports.txt $@.all $@
	$(Q)rm -f $@.all

all: $(PLAT_HOST) $(B)/bin/tincan-mkimage $(B)/bin/tincan-mkfs

# ---- networking: lwIP from Debian + libos/net, one object in libtcnet.a ------
# An archive member, so only apps that use sockets link it;
# lwIP's names are made local like libos's.
LWIP := $(T)/lwip/.stamp
LWIP_PORT := toolchain/lwip/port/include
$(LWIP): toolchain/lwip.sh $(wildcard $(LWIP_PORT)/*.h $(LWIP_PORT)/*/*.h) $(NEWLIB) | deps
	$(Q)toolchain/lwip.sh $(T)/lwip $(T)/newlib/include $(LWIP_PORT)
	$(Q)touch $@

NET_SRC := $(wildcard libos/net/*.c)
NET_OBJ := $(patsubst %.c,$(GB)/%.o,$(NET_SRC))
$(NET_OBJ): GUEST_CFLAGS += -I$(T)/lwip/include -I$(LWIP_PORT)
$(NET_OBJ): $(LWIP)

$(TP)/libtcnet.a: $(NET_OBJ) $(LWIP) libos/net/exports.txt
	$(call say,AR,$@)
	$(Q)mkdir -p $(@D)
	$(Q)ld -r -o $(GB)/tcnet.all.o $(NET_OBJ) --whole-archive $(T)/lwip/lib/liblwip.a
	$(Q)objcopy --keep-global-symbols=libos/net/exports.txt $(GB)/tcnet.all.o $(GB)/tcnet.o
	$(Q)rm -f $@ && ar rcs $@ $(GB)/tcnet.o

$(T)/tincan.specs $(T)/target.cflags $(T)/target.ldflags: $(T)/%: toolchain/%
	$(Q)mkdir -p $(@D)
	$(Q)cp $< $@

$(TP)/tincan.ld: $(PLAT_LDS)
	$(Q)mkdir -p $(@D)
	$(Q)cp $< $@

# The platform's own extra guest flags, if any, beside its libraries.
$(TP)/target.cflags: $(wildcard platforms/$(PLATFORM)/target.cflags)
	$(Q)mkdir -p $(@D)
	$(Q)if [ -n "$<" ]; then cp $< $@; else : > $@; fi

$(B)/bin/tincan-cc: toolchain/tincan-cc
	$(Q)mkdir -p $(@D)
	$(Q)cp $< $@

# ---- glob, fnmatch, regex: newlib's libc/posix, with libos's headers -----------
# (toolchain/newlib-posix.sh says why these are not built inside newlib.)
# Third-party code: compiled without our warnings, as newlib itself is.
POSIX := $(T)/newlib-posix/.stamp
POSIX_NAMES := fnmatch glob regcomp regerror regexec regfree collate collcmp
POSIX_CFLAGS := -std=gnu11 -D_GNU_SOURCE -O2 -w -nostdinc -I$(T)/newlib-posix -isystem $(T)/include \
	-isystem $(T)/newlib/include -isystem $(GCCINC) $(TARGET_CFLAGS) -fno-unwind-tables -Wa,--noexecstack
$(POSIX): toolchain/newlib-posix.sh toolchain/newlib.sh | deps
	$(Q)toolchain/newlib-posix.sh $(T)/newlib-posix
$(B)/posix/%.o: $(POSIX) $(NEWLIB) $(HEADERS) toolchain/target.cflags
	$(call say,CC,newlib posix/$*.c)
	$(Q)mkdir -p $(@D)
	$(Q)$(HOSTCC) $(POSIX_CFLAGS) -c $(T)/newlib-posix/$*.c -o $@
$(T)/lib/libtcposix.a: $(patsubst %,$(B)/posix/%.o,$(POSIX_NAMES))
	$(call say,AR,$@)
	$(Q)mkdir -p $(@D)
	$(Q)rm -f $@ && ar rcsD $@ $^
POSIX_LIB := $(T)/lib/libtcposix.a
# POSIX's glob() is libos/glob.c, over this one.
$(B)/posix/glob.o: POSIX_CFLAGS += -Dglob=__tincan_bsd_glob

TOOLCHAIN := $(B)/bin/tincan-cc $(TP)/libos.o $(TP)/libtcnet.a $(PLAT_LIB) $(TP)/tincan.ld $(TP)/target.cflags \
	$(T)/tincan.specs $(T)/target.cflags $(T)/target.ldflags $(NEWLIB) $(COMPAT_LIBS) $(POSIX_LIB) $(HEADERS)
all: $(TOOLCHAIN)

# ---- apps: apps/NAME/*.c -> build/apps/NAME.tc, built with tincan-cc ---------
# (for PLATFORM=kvm; another platform's images go where its platform.mk says)
TCC := $(B)/bin/tincan-cc --platform=$(PLATFORM)
APPS := $(notdir $(wildcard apps/*))
APP_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) -O2 -g -MMD -MP
OB := $(B)/obj/$(PLATFORM)

$(OB)/apps/%.o: apps/%.c $(TOOLCHAIN)
	$(call say,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(TCC) $(APP_CFLAGS) -c $< -o $@

# apps/NAME/mkimage.flags, if present, holds tincan-mkimage options for
# the app's manifest (the devices it declares, its name...).
define app_rule
$(PLAT_APPS)/$(1)$(PLAT_IMG): $(patsubst apps/%.c,$(OB)/apps/%.o,$(wildcard apps/$(1)/*.c)) $(TOOLCHAIN) \
		$(wildcard apps/$(1)/mkimage.flags) $(B)/bin/tincan-mkimage
	$$(call say,LD,$$@)
	$$(Q)mkdir -p $$(@D)
	$$(Q)$(TCC) -o $$@ $$(filter $(OB)/%.o,$$^) -lm
	$$(Q)if [ -f apps/$(1)/mkimage.flags ]; then $(B)/bin/tincan-mkimage $$$$(cat apps/$(1)/mkimage.flags) $$@ >/dev/null; fi
endef
$(foreach a,$(APPS),$(eval $(call app_rule,$(a))))

all: $(foreach a,$(APPS),$(PLAT_APPS)/$(a)$(PLAT_IMG)) $(PLAT_ALL)

# The same app sources as ordinary Linux programs, for side-by-side benchmarks.
define host_app_rule
$(B)/host/$(1): $(wildcard apps/$(1)/*.c apps/$(1)/*.h) | deps
	$$(call say,CC,$$@)
	$$(Q)mkdir -p $$(@D)
	$$(Q)$(HOSTCC) -std=c11 -D_GNU_SOURCE $(WARN) -O2 -pthread -o $$@ $(wildcard apps/$(1)/*.c) -lm
endef
HOST_APPS := $(filter-out hello router,$(APPS)) # hello reports tincan's own boot time; router needs <tincan/netfn.h>
$(foreach a,$(HOST_APPS),$(eval $(call host_app_rule,$(a))))
host-apps: $(foreach a,$(HOST_APPS),$(B)/host/$(a))

run: all
	@toolchain/$(if $(filter pc,$(PLATFORM)),run-pc.sh,run.sh) $(B) $(APP) $(ARGS)

# ---- install: a prefix from which DIR/bin/tincan-cc works anywhere ------------
install: all
	@test -n "$(PREFIX)" || { echo "usage: make install PREFIX=DIR" >&2; exit 1; }
	@case "$(PREFIX)" in *' '*) echo "make install: PREFIX may not contain spaces" >&2; exit 1;; esac
	$(call say,INSTALL,$(abspath $(PREFIX)))
	$(Q)install -d $(DESTDIR)$(abspath $(PREFIX))/bin $(DESTDIR)$(abspath $(PREFIX))/lib/tincan/$(PLATFORM)
	$(Q)install -m 755 $(B)/bin/tincan-mkimage $(B)/bin/tincan-mkfs toolchain/tincan-cc $(DESTDIR)$(abspath $(PREFIX))/bin/
	$(Q)cd $(T) && cp -R include lib sysroot newlib $(DESTDIR)$(abspath $(PREFIX))/lib/tincan/
	$(Q)install -m 644 $(TP)/libos.o $(TP)/libtcnet.a $(TP)/tincan.ld $(TP)/target.cflags \
		$(DESTDIR)$(abspath $(PREFIX))/lib/tincan/$(PLATFORM)/
	$(Q)install -m 644 $(T)/tincan.specs $(T)/target.cflags $(T)/target.ldflags $(DESTDIR)$(abspath $(PREFIX))/lib/tincan/
	$(PLAT_INSTALL)

# ---- host unit tests ---------------------------------------------------------
UNIT_CFLAGS := -std=c11 $(WARN) -O1 -g -D_GNU_SOURCE -Imkimage -Imkimage/include -Iplatforms/kvm/monitor -Iplatforms/common -MMD -MP
UNITS := elfimage layout options chacha common path hccore format rootfs logfs router
$(B)/host/%.o: %.c | deps
	$(call say,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(HOSTCC) $(UNIT_CFLAGS) -c $< -o $@
$(B)/tests/unit/test_elfimage: $(B)/host/tests/unit/test_elfimage.o $(B)/host/mkimage/elfimage.o
$(B)/tests/unit/test_layout: $(B)/host/tests/unit/test_layout.o $(B)/host/platforms/kvm/monitor/layout.o $(B)/host/mkimage/elfimage.o
$(B)/tests/unit/test_chacha: $(B)/host/tests/unit/test_chacha.o
$(B)/host/tests/unit/test_format.o: UNIT_CFLAGS += -Wno-format -Wno-format-security
$(B)/tests/unit/test_format: $(B)/host/tests/unit/test_format.o
$(B)/tests/unit/test_errmsg: $(B)/host/tests/unit/test_errmsg.o
$(B)/tests/unit/test_strsearch: $(B)/host/tests/unit/test_strsearch.o
$(B)/tests/unit/test_common: $(B)/host/tests/unit/test_common.o $(B)/host/platforms/common/backtrace.o \
	$(B)/host/platforms/common/guest/cmdline.o $(B)/host/platforms/common/netopt.o
$(B)/host/tests/unit/test_path.o: UNIT_CFLAGS += -Ilibos/vfs
$(B)/tests/unit/test_path: $(B)/host/tests/unit/test_path.o $(B)/host/libos/vfs/path.o $(B)/host/libos/vfs/mount.o
$(B)/host/tests/unit/test_rootfs.o: UNIT_CFLAGS += -Ilibos/fs
$(B)/tests/unit/test_rootfs: $(B)/host/tests/unit/test_rootfs.o $(B)/host/mkimage/rootfs.o $(B)/host/libos/fs/rofs_tree.o
$(B)/host/tests/unit/test_logfs.o: UNIT_CFLAGS += -Ilibos/fs
$(B)/tests/unit/test_logfs: $(B)/host/tests/unit/test_logfs.o $(B)/host/libos/fs/logfs.o
$(B)/tests/unit/test_options: $(B)/host/tests/unit/test_options.o $(B)/host/platforms/kvm/monitor/options.o \
	$(B)/host/platforms/common/netopt.o \
	$(B)/host/mkimage/size.o
$(B)/tests/unit/test_hccore: $(B)/host/tests/unit/test_hccore.o $(B)/host/platforms/kvm/monitor/hypercall.o \
	$(B)/host/platforms/kvm/monitor/layout.o $(B)/host/mkimage/elfimage.o
# apps/router's packet path (all of it but main.c, the raw-frame glue).
ROUTER_CORE := pkt addr route neigh ct rules router config
$(B)/tests/unit/test_router: $(B)/host/tests/unit/test_router.o $(addprefix $(B)/host/apps/router/,$(addsuffix .o,$(ROUTER_CORE)))
$(B)/tests/unit/%:
	$(call say,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(HOSTCC) -o $@ $^

# Guests built with tincan-cc, like any app.
$(OB)/tests/%.o: tests/guests/%.c tests/tap.h $(TOOLCHAIN)
	$(call say,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(TCC) $(APP_CFLAGS) -Wno-format-truncation -c $< -o $@
$(B)/tests/%.tc: $(OB)/tests/%.o $(TOOLCHAIN)
	$(call say,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(TCC) -o $@ $< -lm

# TLS: a second object compiled as for a shared library (global/local-dynamic).
$(OB)/tests/tls_extern.o: APP_CFLAGS += -fPIC
$(OB)/tests/tls.o $(OB)/tests/tls_extern.o: tests/guests/tls_extern.h
$(B)/tests/tls.tc: $(OB)/tests/tls.o $(OB)/tests/tls_extern.o $(TOOLCHAIN)
	$(call say,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(TCC) -o $@ $(OB)/tests/tls.o $(OB)/tests/tls_extern.o

# The file-read bench (tests/bench/fs.sh): one source, a guest and a host program.
$(OB)/tests/fsread.o: tests/bench/fsread.c $(TOOLCHAIN)
	$(call say,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(TCC) $(APP_CFLAGS) -c $< -o $@
$(B)/host/fsread: tests/bench/fsread.c | deps
	$(call say,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(HOSTCC) -std=c11 -D_GNU_SOURCE $(WARN) -O2 -o $@ $<

# The fsync'ed-append bench (tests/bench/blk.sh): a guest and a host program.
$(OB)/tests/append.o: tests/bench/append.c $(TOOLCHAIN)
	$(call say,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(TCC) $(APP_CFLAGS) -c $< -o $@
$(B)/host/append: tests/bench/append.c | deps
	$(call say,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(HOSTCC) -std=c11 -D_GNU_SOURCE $(WARN) -O2 -o $@ $<

# The TCP bulk bench (tests/bench/net.sh): a guest with a network device and
# the same source as a Linux process.
$(OB)/tests/tcpbulk.o: tests/bench/tcpbulk.c $(TOOLCHAIN)
	$(call say,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(TCC) $(APP_CFLAGS) -c $< -o $@
$(B)/bench/tcpbulk.tc: $(OB)/tests/tcpbulk.o $(TOOLCHAIN) $(B)/bin/tincan-mkimage
	$(call say,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(TCC) -o $@ $<
	$(Q)$(B)/bin/tincan-mkimage --net=net0 --name=tcpbulk $@ >/dev/null
$(B)/host/tcpbulk: tests/bench/tcpbulk.c | deps
	$(call say,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(HOSTCC) -std=c11 -D_GNU_SOURCE $(WARN) -O2 -o $@ $<

# The KVM probes the bench compares with (tests/bench/probes): the boot floor,
# static with musl like tincan-run, and the cost of one exit and one kick.
$(B)/bench/kvm-floor-static: tests/bench/probes/kvm-floor.c $(KINC)/.stamp
	$(call say,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(MUSLCC) -static -std=c11 $(WARN) -O2 -isystem $(KINC) -o $@ $<
$(B)/bench/exit-cost: tests/bench/probes/exit-cost.c | deps
	$(call say,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(HOSTCC) -std=c11 $(WARN) -O2 -o $@ $<
BENCH_BINS := $(B)/bench/kvm-floor-static $(B)/bench/exit-cost $(B)/bench/tcpbulk.tc $(B)/host/tcpbulk
# What this host's KVM gives a debugger and a profiler (guest debug, debug
# registers, TF steps, timer kicks out of KVM_RUN): tests/bench/probes/README.md.
$(B)/bench/guest-debug: tests/bench/probes/guest-debug.c | deps
	$(call say,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(HOSTCC) -std=c11 $(WARN) -O2 -o $@ $<
BENCH_BINS += $(B)/bench/guest-debug
# The restore bench's timer (tests/bench/restore.sh): spawn to exit, or to
# the first full HTTP response.
$(B)/bench/firstresp: tests/bench/firstresp.c | deps
	$(call say,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(HOSTCC) -std=c11 $(WARN) -O2 -o $@ $<
BENCH_BINS += $(B)/bench/firstresp
# The restore bench's hello: ready (tincan_ready()) before it prints.
BENCH_BINS += $(B)/tests/snaphello.tc

$(B)/tests/netclient: tests/tools/netclient.c | deps
	$(call say,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(HOSTCC) -std=c11 $(WARN) -O2 -o $@ $<

TEST_BINS := $(B)/tests/netclient $(PLAT_TEST_BINS) $(B)/tests/libc.tc $(B)/tests/files.tc $(B)/tests/dirs.tc \
	$(B)/tests/threads.tc $(B)/tests/sockets.tc $(B)/tests/rootfs.tc $(B)/tests/fsread.tc $(B)/host/fsread \
	$(B)/tests/append.tc $(B)/host/append $(B)/tests/blockfs.tc $(B)/tests/proc.tc $(B)/tests/ipc.tc \
	$(B)/tests/mman.tc $(B)/tests/uio.tc $(B)/tests/unixsock.tc $(B)/tests/epoll.tc $(addprefix $(B)/tests/unit/test_,$(UNITS))
TEST_BINS += $(B)/tests/signals.tc
TEST_BINS += $(B)/tests/names.tc
TEST_BINS += $(B)/tests/memgrow.tc
TEST_BINS += $(B)/tests/tls.tc $(B)/tests/tls_bss.tc $(B)/tests/tls_none.tc $(B)/tests/tls_small.tc
# Before the test rule, which expands TEST_BINS where it stands.
TEST_BINS += $(B)/tests/ssp.tc

TEST_BINS += $(B)/tests/ldmath.tc $(B)/tests/patterns.tc $(B)/tests/cancel.tc $(B)/tests/mcache.tc $(B)/tests/strings.tc
# gcc folds math on constants itself: make the test reach libos/ldmath.c.
$(OB)/tests/ldmath.o: APP_CFLAGS += -fno-builtin
TEST_BINS += $(B)/tests/fdtab.tc
# A guest that faults or panics for a core (tests/kvm/core.bats); -O0 keeps its local for gdb.
TEST_BINS += $(B)/tests/crash.tc
$(OB)/tests/crash.o: APP_CFLAGS += -O0
# The profiler's guest (tests/kvm/profile.bats, tests/bench/profile.sh).
TEST_BINS += $(B)/tests/profile.tc
# The gdb stub's guest (tests/kvm/gdb.bats): -O0, so gdb sees every argument.
$(OB)/tests/gdbapp.o: APP_CFLAGS += -O0
TEST_BINS += $(B)/tests/gdbapp.tc

# Which guest pages the host backed, by region (tests/tools/guestpages.c):
# tests/kvm/guestmem.bats and tests/bench/guestpages.sh.
$(B)/tests/guestpages: tests/tools/guestpages.c | deps
	$(call say,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(HOSTCC) -std=c11 $(WARN) -O2 -o $@ $<
TEST_BINS += $(B)/tests/guestpages

# ---- yardsticks: redis and SQLite from Debian's sources, built as users would --
# (tests/yard/build.sh: cached by a key over the toolchain; `make test` runs them)
YARD := $(B)/yard/tincan/.redis $(B)/yard/tincan/.sqlite
$(B)/yard/tincan/.%: tests/yard/build.sh toolchain/debsrc.sh $(TOOLCHAIN) $(PLAT_HOST)
	$(Q)tests/yard/build.sh $* tincan $(B)
	$(Q)touch $@
$(B)/yard/linux/.%: tests/yard/build.sh toolchain/debsrc.sh | deps
	$(Q)tests/yard/build.sh $* linux $(B)
	$(Q)touch $@
TEST_BINS += $(YARD)
TEST_BINS += $(B)/yard/tincan/.lua

# The virtio-blk driver's queue logic on the host (tests/unit/test_virtio.c).
$(B)/host/tests/unit/test_virtio.o: UNIT_CFLAGS += -Ilibos/include -Iplatforms/common/drivers/virtio
$(B)/tests/unit/test_virtio: $(B)/host/tests/unit/test_virtio.o
TEST_BINS += $(B)/tests/unit/test_virtio

# ---- bootable ISOs (tests/iso.bats): a multiboot2 test kernel, 32-bit code that
# prints its command line on COM1, with a manifest note saying platform pc, and
# the pc platform's command-line splitter as a host tool.
$(B)/tests/pc_mb2.o: tests/guests/pc_mb2.S | deps
	$(call say,AS,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(HOSTCC) -c $< -o $@
$(B)/tests/pc_mb2_manifest.o: platforms/common/guest/manifest.c mkimage/include/tincan/image.h | deps
	$(call say,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(HOSTCC) -std=c11 $(WARN) -Os -ffreestanding -Imkimage/include -DTINCAN_PLATFORM_ID=TC_PLATFORM_PC \
		-DTINCAN_PLATFORM_ABI=0 -c $< -o $@
$(B)/tests/pc_mb2.elf: $(B)/tests/pc_mb2.o $(B)/tests/pc_mb2_manifest.o tests/guests/pc_mb2.ld
	$(call say,LD,$@)
	$(Q)ld -m elf_x86_64 -static -nostdlib -z max-page-size=0x1000 -z noexecstack -T tests/guests/pc_mb2.ld \
		-o $@ $(filter %.o,$^)
$(B)/tests/cmdsplit: tests/tools/cmdsplit.c platforms/common/guest/cmdline.c platforms/common/guest/cmdline.h | deps
	$(call say,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(HOSTCC) -std=c11 $(WARN) -O2 -o $@ $(filter %.c,$^)
TEST_BINS += $(B)/tests/pc_mb2.elf $(B)/tests/cmdsplit

# The monitor's seccomp filter run for real in forked children (tests/unit/test_seccomp.c).
$(B)/tests/unit/test_seccomp: $(B)/host/tests/unit/test_seccomp.o $(B)/host/platforms/kvm/monitor/seccomp.o
TEST_BINS += $(B)/tests/unit/test_seccomp
# The same with tincan-run-debug's section of the filter (-DTINCAN_DEBUG).
$(B)/host-debug/%.o: %.c | deps
	$(call say,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(HOSTCC) $(UNIT_CFLAGS) -DTINCAN_DEBUG -c $< -o $@
$(B)/tests/unit/test_seccomp_debug: $(addprefix $(B)/host-debug/,tests/unit/test_seccomp.o \
	platforms/kvm/monitor/seccomp.o platforms/kvm/monitor/jail.o platforms/kvm/monitor/debug/fds.o)
TEST_BINS += $(B)/tests/unit/test_seccomp_debug
TEST_BINS += $(B)/tests/unit/test_errmsg
TEST_BINS += $(B)/tests/unit/test_strsearch
# A guest that answers one datagram with a burst of numbered ones (tests/kvm/net.bats).
TEST_BINS += $(B)/tests/udpburst.tc
# Per-NIC addresses, routes, SO_BINDTODEVICE and IP_PKTINFO (tests/kvm/netcfg.bats).
TEST_BINS += $(B)/tests/netcfg.tc
# IPV6_PKTINFO on a dual-stack UDP socket (tests/kvm/ipv6.bats).
TEST_BINS += $(B)/tests/pktinfo6.tc
# Multicast UDP sockets: groups, loopback, the options (tests/kvm/multicast.bats).
TEST_BINS += $(B)/tests/mcast.tc
# The raw-frame API's guest (tests/kvm/netfn.bats): netfn.tc links no socket
# code (so no lwIP), netfnsock.tc the same source with the socket stack.
$(OB)/tests/netfnsock.o: tests/guests/netfn.c tests/tap.h $(TOOLCHAIN)
	$(call say,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(TCC) $(APP_CFLAGS) -DWITH_SOCKETS -c $< -o $@
TEST_BINS += $(B)/tests/netfn.tc $(B)/tests/netfnsock.tc
# The OCI bench (tests/bench/oci.sh): its timer (spawn to first output) and
# its baseline, hello's own source as a static Linux program.
$(B)/bench/firstout: tests/bench/firstout.c | deps
	$(call say,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(HOSTCC) -std=c11 $(WARN) -O2 -o $@ $<
$(B)/bench/hello-static: apps/hello/main.c tests/bench/hellolinux.c libos/include/tincan.h | deps
	$(call say,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(HOSTCC) -static -std=c11 $(WARN) -O2 -Ilibos/include -o $@ $(filter %.c,$^) -lm
BENCH_BINS += $(B)/bench/firstout $(B)/bench/hello-static
# The router bench's traffic (tests/bench/router.sh): UDP frames written
# into a link as fast as it takes them.
$(B)/bench/frameblast: tests/bench/frameblast.c | deps
	$(call say,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(HOSTCC) -std=c11 $(WARN) -O2 -o $@ $<
BENCH_BINS += $(B)/bench/frameblast
# tests/kvm/routerbench.bats runs the router bench's --check mode.
TEST_BINS += $(B)/bench/frameblast
# Snapshot and restore, the guest's side (tests/kvm/snapshot-guest.bats).
TEST_BINS += $(B)/tests/snap.tc

# ---- fuzzing: libFuzzer targets with ASan+UBSan (tests/fuzz, docs/fuzzing.md) --
# `make fuzz [SECONDS=N] [FUZZ=TARGETS]` runs each target N seconds (default
# 300) from its committed seeds; a crash stops it with the reproducer under
# build/fuzz/.  tests/fuzz.t runs each for a few seconds in `make test`.
FUZZ_CC ?= clang
FUZZ ?= image net blk dir logfs rootfs virtio lwip router
SECONDS ?= 300
FUZZ_FLAGS := -std=c11 $(WARN) -g -O1 -D_GNU_SOURCE -fno-omit-frame-pointer -Imkimage -Imkimage/include \
	-Iplatforms/kvm/monitor -Iplatforms/common -Ilibos/fs
FUZZ_SAN := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_COV := -fsanitize=fuzzer -fprofile-instr-generate -fcoverage-mapping
MON := platforms/kvm/monitor
FUZZ_SRC_image := mkimage/elfimage.c $(MON)/layout.c
FUZZ_SRC_net := $(MON)/hypercall.c $(MON)/layout.c mkimage/elfimage.c
FUZZ_SRC_blk := $(FUZZ_SRC_net)
FUZZ_SRC_dir := $(FUZZ_SRC_net)
FUZZ_SRC_logfs := libos/fs/logfs.c
FUZZ_SRC_rootfs := libos/fs/rofs_tree.c
FUZZ_SRC_virtio :=
FUZZ_FLAGS_virtio := -Ilibos/include -Iplatforms/common/drivers/virtio
FUZZ_SRC_router := $(addprefix apps/router/,pkt.c addr.c route.c neigh.c ct.c rules.c router.c config.c)
FUZZ_FLAGS_router := -DCT_MAX=256 -DCT_BUCKETS=256
# Sources a harness includes (to reach their statics).
FUZZ_INC_net := $(MON)/net.c
FUZZ_INC_blk := $(MON)/blk.c
FUZZ_INC_dir := $(MON)/dir.c
FUZZ_INC_virtio := $(addprefix platforms/common/drivers/virtio/,blk.c net.c virtq.c)
# The sources whose line coverage a run reports (the harness's own code aside).
FUZZ_COVSRC_net := $(MON)/hypercall.c $(MON)/net.c
FUZZ_COVSRC_blk := $(MON)/hypercall.c $(MON)/blk.c
FUZZ_COVSRC_dir := $(MON)/dir.c
FUZZ_COVSRC_virtio := $(FUZZ_INC_virtio)
fz_empty :=
fz_space := $(fz_empty) $(fz_empty)
FUZZ_SPECS = $(foreach t,$(FUZZ),$(t)=$(subst $(fz_space),$(if ,,,),$(strip $(or $(FUZZ_COVSRC_$(t)),$(FUZZ_SRC_$(t))))))
define fuzz_rule
$(B)/fuzz/bin/$(1): tests/fuzz/$(1).c $(FUZZ_SRC_$(1)) $(FUZZ_INC_$(1)) $(wildcard tests/fuzz/*.h) Makefile
	$$(call say,FUZZCC,$$@)
	$$(Q)mkdir -p $$(@D)
	$$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) $(FUZZ_FLAGS_$(1)) $(FUZZ_SAN) -o $$@ tests/fuzz/$(1).c $(FUZZ_SRC_$(1))
$(B)/fuzz/cov/$(1): tests/fuzz/$(1).c $(FUZZ_SRC_$(1)) $(FUZZ_INC_$(1)) $(wildcard tests/fuzz/*.h) Makefile
	$$(Q)mkdir -p $$(@D)
	$$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) $(FUZZ_FLAGS_$(1)) $(FUZZ_COV) -o $$@ tests/fuzz/$(1).c $(FUZZ_SRC_$(1))
endef
$(foreach t,$(filter-out lwip,$(FUZZ)),$(eval $(call fuzz_rule,$(t))))
# lwIP for the host: Debian's source as toolchain/lwip.sh pins it, tincan's
# lwipopts.h and arch/cc.h; third-party code, compiled without our warnings.
# Checksums are not checked here, so that mutated frames get past them.
FUZZ_LWIP = L=$$(toolchain/debsrc.sh lwip "$$(sed -n "s/^LWIP_DEB_VERSION='\(.*\)'/\1/p" toolchain/lwip.sh)")/src && \
	$(FUZZ_CC) -std=gnu11 -g -O1 -w -D_GNU_SOURCE $(1) -I$(LWIP_PORT) -I$$L/include -DCHECKSUM_CHECK_IP=0 \
	-DCHECKSUM_CHECK_UDP=0 -DCHECKSUM_CHECK_TCP=0 -DCHECKSUM_CHECK_ICMP=0 -DCHECKSUM_CHECK_ICMP6=0 -o $@ tests/fuzz/lwip.c \
	$$L/core/*.c $$L/core/ipv4/*.c $$L/core/ipv6/*.c $$L/netif/ethernet.c $$L/api/err.c
$(B)/fuzz/bin/lwip: tests/fuzz/lwip.c toolchain/lwip.sh $(wildcard $(LWIP_PORT)/*.h $(LWIP_PORT)/*/*.h) Makefile | deps
	$(call say,FUZZCC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(call FUZZ_LWIP,$(FUZZ_SAN))
$(B)/fuzz/cov/lwip: tests/fuzz/lwip.c toolchain/lwip.sh $(wildcard $(LWIP_PORT)/*.h $(LWIP_PORT)/*/*.h) Makefile | deps
	$(Q)mkdir -p $(@D)
	$(Q)$(call FUZZ_LWIP,$(FUZZ_COV))
fuzz-check:
	@command -v $(FUZZ_CC) >/dev/null && echo 'int LLVMFuzzerTestOneInput(const char *d, long n) { return 0; }' | \
		$(FUZZ_CC) -x c -fsanitize=fuzzer -o /dev/null - 2>/dev/null || \
		{ echo "make fuzz: needs clang with libFuzzer (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }
fuzz-bins: $(foreach t,$(FUZZ),$(B)/fuzz/bin/$(t) $(B)/fuzz/cov/$(t))
	@:
fuzz: fuzz-check
	@$(MAKE) --no-print-directory fuzz-bins
	@tests/fuzz/run.sh $(B) $(SECONDS) $(FUZZ_SPECS)
.PHONY: fuzz fuzz-check fuzz-bins

# `make test` runs the fuzz targets briefly (tests/fuzz.t) where clang has
# libFuzzer, and the host unit tests again built with ASan+UBSan
# (tests/unit-asan.t): a second build of them in $(B)/asan.
# (Checked when run: deps may have just installed clang.)
fuzz-test-bins: | deps
	@if command -v $(FUZZ_CC) >/dev/null && ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a \
		>/dev/null 2>&1; then $(MAKE) --no-print-directory fuzz-san-bins; fi
fuzz-san-bins: $(foreach t,$(FUZZ),$(B)/fuzz/bin/$(t))
	@:
TEST_BINS += fuzz-test-bins
.PHONY: fuzz-test-bins fuzz-san-bins unit-bins
ASAN_UNITS := $(UNITS) virtio seccomp
asan-units: | deps
	@$(MAKE) --no-print-directory B=$(B)/asan HOSTCC="$(HOSTCC) -fsanitize=address,undefined -fno-sanitize-recover=all" \
		unit-bins
unit-bins: $(addprefix $(B)/tests/unit/test_,$(ASAN_UNITS))
	@:
TEST_BINS += asan-units
.PHONY: asan-units

# ---- top-level targets -------------------------------------------------------
# `make test` (kvm, the default) runs every test on kvm, then builds the pc
# platform and runs the tests that hold there: its own (tests/pc) and the
# platform-neutral app tests (PC_TESTS: hello, and the network apps).  The test
# guests above are kvm images; the pc tests build theirs with tincan-cc.
PC_TESTS := tests/hello.t tests/apps.t
ifeq ($(PLATFORM),kvm)
test: all $(TEST_BINS)
	@TINCAN_PLATFORM=kvm prove --timer --failures --comments $(if $(filter 1,$(V)),-v) tests/*.t $(wildcard tests/kvm/*.t)
	@$(MAKE) --no-print-directory PLATFORM=pc test
else
test: all
	@TINCAN_PLATFORM=$(PLATFORM) prove --timer --failures --comments $(if $(filter 1,$(V)),-v) $(PC_TESTS) $(wildcard tests/$(PLATFORM)/*.t)
endif

bench: all host-apps $(BENCH_BINS) $(B)/tests/netclient $(B)/tests/fsread.tc $(B)/host/fsread $(B)/tests/append.tc $(B)/host/append
	@$(MAKE) --no-print-directory PLATFORM=pc all
	@tests/bench/run.sh $(B)

# What an idle instance costs the host at scale (tests/bench/density.sh): N idle
# bare KVM VMs, udpecho guests, udpecho Linux processes; BENCH_DENSITY_N
# ("100 1000 5000 10000").
bench-density: all host-apps $(B)/bench/kvm-floor-static $(B)/tests/netclient
	@mkdir -p $(B)/bench
	@tests/bench/density.sh $(B) $(B)/bench/density.md
.PHONY: bench-density

format:
	@clang-format -i $$(git ls-files --cached --others --exclude-standard '*.c' '*.h')

clean:
	rm -rf $(B)

FORCE:
.PHONY: all deps test clean run bench install format host-apps FORCE
.DELETE_ON_ERROR:
.SECONDARY:

-include $(shell find $(B) -name '*.d' 2>/dev/null)
# sandbox_enter sets RLIMIT_NOFILE through the jail's jail_limit.
$(B)/tests/unit/test_seccomp: $(B)/host/platforms/kvm/monitor/jail.o

# make profile APP=NAME [ARGS="..."] [HZ=N] [OPTS="..."]: run build/apps/NAME.tc
# (or APP=PATH.tc) under tincan-run --profile=FILE[:HZ] and render the folded
# stacks as an SVG flame graph with toolchain/flamegraph.py (Debian has no
# flame graph tool): $(B)/profile/NAME.folded and $(B)/profile/NAME.svg.
profile: all
	@case "$(APP)" in "") echo "make profile: APP=NAME (build/apps/NAME.tc) or APP=PATH.tc" >&2; exit 1 ;; \
		*/* | *$(PLAT_IMG)) img="$(APP)" ;; *) img="$(PLAT_APPS)/$(APP)$(PLAT_IMG)" ;; esac; \
	[ -f "$$img" ] || { echo "make profile: $$img: no such image" >&2; exit 1; }; \
	name=$$(basename "$$img" $(PLAT_IMG)); out=$(B)/profile/$$name; mkdir -p $(B)/profile; rm -f "$$out.folded"; \
	$(B)/bin/tincan-run $(OPTS) --profile="$$out.folded$(if $(HZ),:$(HZ))" "$$img" -- $(ARGS) || \
		echo "make profile: $$img ended with status $$?" >&2; \
	[ -f "$$out.folded" ] || exit 1; [ -s "$$out.folded" ] || { echo "make profile: no samples: the run was shorter \
		than a sample period (HZ=$(or $(HZ),99)); raise HZ (up to 10000) or give it more work" >&2; exit 1; }; \
	toolchain/flamegraph.py --title "$$name $(ARGS)" -o "$$out.svg" "$$out.folded" && \
		echo "  PROFILE  $$out.svg"
.PHONY: profile

# The profiler bench (tests/bench/profile.sh) boots this guest.
bench: $(B)/tests/profile.tc $(B)/tests/tiny.tc
