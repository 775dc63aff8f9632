# tincan: `make` builds the tools into build/bin and each app into build/apps/NAME.tc.
# Targets: all run test bench install clean.  V=1 shows full commands.

B := build
PREFIX ?= /usr/local
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
	@toolchain/deps.sh $(if $(filter test,$(MAKECMDGOALS)),test,$(if $(filter bench,$(MAKECMDGOALS)),bench,build))

# ---- the monitor and mkimage: static musl binaries --------------------------
KINC := $(B)/kinc
MON_SRC := $(wildcard platforms/kvm/monitor/*.c) mkimage/elfimage.c mkimage/size.c
MKIMAGE_SRC := mkimage/main.c mkimage/elfimage.c mkimage/size.c
MON_OBJ := $(patsubst %.c,$(B)/musl/%.o,$(MON_SRC))
MUSL_CFLAGS := -std=c11 $(WARN) -Os -D_GNU_SOURCE -Imkimage -isystem $(KINC) -MMD -MP -fno-asynchronous-unwind-tables \
	-ffunction-sections -fdata-sections -DTINCAN_VERSION='"$(VERSION)"'

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

$(B)/bin/tincan-run: $(MON_OBJ)
	$(call say,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(MUSLCC) -static -s -Wl,--gc-sections -Wl,-z,noseparate-code -o $@ $^

$(B)/bin/tincan-mkimage: $(patsubst %.c,$(B)/musl/%.o,$(MKIMAGE_SRC))
	$(call say,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(MUSLCC) -static -s -Wl,--gc-sections -Wl,-z,noseparate-code -o $@ $^

all: $(B)/bin/tincan-run $(B)/bin/tincan-mkimage

# ---- the toolchain: newlib from Debian, cached by recipe hash ----------------
T := $(B)/lib/tincan
NEWLIB := $(T)/newlib/.stamp
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
	libos/include/arpa/inet.h libos/include/poll.h libos/include/netdb.h)
$(T)/include/%: libos/include/%
	$(Q)mkdir -p $(@D)
	$(Q)cp $< $@

# ---- libos and the KVM platform's guest side, as one object ------------------
# Compiled against newlib's headers; partially linked into libos.o where
# every symbol not in libos/exports.txt is made local, so libos names never
# collide with the app's.
GUEST_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) -O2 -nostdinc -Ilibos -Ilibos/include \
	-isystem $(T)/newlib/include -isystem $(GCCINC) -U__linux__ -U__linux -Ulinux -U__gnu_linux__ \
	-D__tincan__ -D_READ_WRITE_RETURN_TYPE=_ssize_t -fno-pie -fno-stack-protector -fno-omit-frame-pointer \
	-fno-asynchronous-unwind-tables \
	-fno-unwind-tables -ffunction-sections -fdata-sections -Wa,--noexecstack -MMD -MP
LIBOS_SRC := $(wildcard libos/*.c) libos/arch/x86_64/switch.S \
	$(filter-out %/runpath.c,$(wildcard platforms/kvm/guest/*.c)) platforms/kvm/guest/start.S
LIBOS_OBJ := $(patsubst %,$(B)/guest/%.o,$(basename $(LIBOS_SRC)))

$(B)/guest/%.o: %.c $(NEWLIB) Makefile
	$(call say,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(HOSTCC) $(GUEST_CFLAGS) -c $< -o $@
$(B)/guest/%.o: %.S
	$(call say,AS,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(HOSTCC) $(GUEST_CFLAGS) -c $< -o $@

# Rewritten only when the set of sources changes, so deleting one relinks.
$(B)/guest/libos.list: FORCE
	$(Q)mkdir -p $(@D)
	$(Q)echo '$(LIBOS_OBJ)' | cmp -s - $@ || echo '$(LIBOS_OBJ)' > $@

$(T)/kvm/libos.o: $(LIBOS_OBJ) libos/exports.txt $(B)/guest/libos.list
	$(call say,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)ld -r -o $@.all $(LIBOS_OBJ)
	$(Q)objcopy --keep-global-symbols=libos/exports.txt $@.all $@
	$(Q)rm -f $@.all

# ---- networking: lwIP from Debian + libos/net, one object in libtcnet.a ------
# An archive member, so only apps that use sockets (or poll/select) link it;
# lwIP's names are made local like libos's.
LWIP := $(T)/lwip/.stamp
LWIP_PORT := toolchain/lwip/port/include
$(LWIP): toolchain/lwip.sh $(wildcard $(LWIP_PORT)/*.h $(LWIP_PORT)/*/*.h) $(NEWLIB) | deps
	$(Q)toolchain/lwip.sh $(T)/lwip $(T)/newlib/include $(LWIP_PORT)
	$(Q)touch $@

NET_SRC := $(wildcard libos/net/*.c)
NET_OBJ := $(patsubst %.c,$(B)/guest/%.o,$(NET_SRC))
$(NET_OBJ): GUEST_CFLAGS += -I$(T)/lwip/include -I$(LWIP_PORT)
$(NET_OBJ): $(LWIP)

$(T)/kvm/libtcnet.a: $(NET_OBJ) $(LWIP) libos/net/exports.txt
	$(call say,AR,$@)
	$(Q)mkdir -p $(@D)
	$(Q)ld -r -o $(B)/guest/tcnet.all.o $(NET_OBJ) --whole-archive $(T)/lwip/lib/liblwip.a
	$(Q)objcopy --keep-global-symbols=libos/net/exports.txt $(B)/guest/tcnet.all.o $(B)/guest/tcnet.o
	$(Q)rm -f $@ && ar rcs $@ $(B)/guest/tcnet.o

# Where images built by this tree find their monitor when Linux runs them.
$(T)/kvm/runpath.o: platforms/kvm/guest/runpath.c
	$(Q)mkdir -p $(@D)
	$(Q)$(HOSTCC) $(GUEST_CFLAGS) -DTINCAN_RUN_PATH='"$(abspath $(B))/bin/tincan-run"' -c $< -o $@

$(T)/tincan.specs: toolchain/tincan.specs
	$(Q)mkdir -p $(@D)
	$(Q)cp $< $@

$(T)/kvm/tincan.ld: platforms/kvm/guest/tincan.ld
	$(Q)mkdir -p $(@D)
	$(Q)cp $< $@

$(B)/bin/tincan-cc: toolchain/tincan-cc
	$(Q)mkdir -p $(@D)
	$(Q)cp $< $@

TOOLCHAIN := $(B)/bin/tincan-cc $(T)/kvm/libos.o $(T)/kvm/libtcnet.a $(T)/kvm/runpath.o $(T)/kvm/tincan.ld $(T)/tincan.specs $(NEWLIB) \
	$(COMPAT_LIBS) $(HEADERS)
all: $(TOOLCHAIN)

# ---- apps: apps/NAME/*.c -> build/apps/NAME.tc, built with tincan-cc ---------
TCC := $(B)/bin/tincan-cc
APPS := $(notdir $(wildcard apps/*))
APP_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) -O2 -g -MMD -MP

$(B)/obj/apps/%.o: apps/%.c $(TOOLCHAIN)
	$(call say,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(TCC) $(APP_CFLAGS) -c $< -o $@

# apps/NAME/mkimage.flags, if present, holds tincan-mkimage options for
# the app's manifest (the devices it declares, its name...).
define app_rule
$(B)/apps/$(1).tc: $(patsubst apps/%.c,$(B)/obj/apps/%.o,$(wildcard apps/$(1)/*.c)) $(TOOLCHAIN) \
		$(wildcard apps/$(1)/mkimage.flags) $(B)/bin/tincan-mkimage
	$$(call say,LD,$$@)
	$$(Q)mkdir -p $$(@D)
	$$(Q)$(TCC) -o $$@ $$(filter $(B)/obj/%.o,$$^) -lm
	$$(Q)if [ -f apps/$(1)/mkimage.flags ]; then $(B)/bin/tincan-mkimage $$$$(cat apps/$(1)/mkimage.flags) $$@ >/dev/null; fi
endef
$(foreach a,$(APPS),$(eval $(call app_rule,$(a))))

all: $(foreach a,$(APPS),$(B)/apps/$(a).tc)

# The same app sources as ordinary Linux programs, for side-by-side benchmarks.
define host_app_rule
$(B)/host/$(1): $(wildcard apps/$(1)/*.c apps/$(1)/*.h) | deps
	$$(call say,CC,$$@)
	$$(Q)mkdir -p $$(@D)
	$$(Q)$(HOSTCC) -std=c11 -D_GNU_SOURCE $(WARN) -O2 -pthread -o $$@ $(wildcard apps/$(1)/*.c) -lm
endef
HOST_APPS := $(filter-out hello,$(APPS)) # hello reports tincan's own boot time
$(foreach a,$(HOST_APPS),$(eval $(call host_app_rule,$(a))))
host-apps: $(foreach a,$(HOST_APPS),$(B)/host/$(a))

run: all
	@toolchain/run.sh $(B) $(APP) $(ARGS)

# ---- install: a prefix from which DIR/bin/tincan-cc works anywhere ------------
install: all
	@test -n "$(PREFIX)" || { echo "usage: make install PREFIX=DIR" >&2; exit 1; }
	@case "$(PREFIX)" in *' '*) echo "make install: PREFIX may not contain spaces" >&2; exit 1;; esac
	$(call say,INSTALL,$(abspath $(PREFIX)))
	$(Q)install -d $(DESTDIR)$(abspath $(PREFIX))/bin $(DESTDIR)$(abspath $(PREFIX))/lib/tincan/kvm
	$(Q)install -m 755 $(B)/bin/tincan-run $(B)/bin/tincan-mkimage toolchain/tincan-cc \
		$(DESTDIR)$(abspath $(PREFIX))/bin/
	$(Q)cd $(T) && cp -R include lib sysroot newlib $(DESTDIR)$(abspath $(PREFIX))/lib/tincan/
	$(Q)install -m 644 $(T)/kvm/libos.o $(T)/kvm/libtcnet.a $(T)/kvm/tincan.ld \
		$(DESTDIR)$(abspath $(PREFIX))/lib/tincan/kvm/
	$(Q)install -m 644 $(T)/tincan.specs $(DESTDIR)$(abspath $(PREFIX))/lib/tincan/
	$(Q)$(HOSTCC) $(GUEST_CFLAGS) -MF /dev/null -DTINCAN_RUN_PATH='"$(abspath $(PREFIX))/bin/tincan-run"' \
		-c platforms/kvm/guest/runpath.c -o $(DESTDIR)$(abspath $(PREFIX))/lib/tincan/kvm/runpath.o

# ---- hand-written test guests (no libc) --------------------------------------
TINY_CFLAGS := -std=c11 $(WARN) -O2 -ffreestanding -nostdinc -isystem $(GCCINC) -fno-pie \
	-fno-stack-protector -fno-omit-frame-pointer -fno-asynchronous-unwind-tables -MMD -MP
IMAGE_LDFLAGS := -nostdlib -static -no-pie -Wl,-T,platforms/kvm/guest/tincan.ld -Wl,--gc-sections \
	-Wl,-z,noexecstack -Wl,-z,max-page-size=4096 -Wl,--build-id=none

$(B)/tiny/%.o: %.c | deps
	$(call say,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(HOSTCC) $(TINY_CFLAGS) -c $< -o $@
$(B)/tiny/%.o: %.S | deps
	$(call say,AS,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(HOSTCC) $(TINY_CFLAGS) -c $< -o $@

TINY_OBJ := $(addprefix $(B)/tiny/,tests/guests/tiny_start.o tests/guests/tiny.o platforms/kvm/guest/manifest.o)
$(B)/tests/tiny.tc: $(TINY_OBJ) platforms/kvm/guest/tincan.ld
	$(call say,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(HOSTCC) $(IMAGE_LDFLAGS) -o $@ $(TINY_OBJ) -lgcc

# ---- host unit tests ---------------------------------------------------------
UNIT_CFLAGS := -std=c11 $(WARN) -O1 -g -D_GNU_SOURCE -Imkimage -Iplatforms/kvm/monitor -MMD -MP
UNITS := elfimage layout options chacha hccore
$(B)/host/%.o: %.c | deps
	$(call say,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(HOSTCC) $(UNIT_CFLAGS) -c $< -o $@
$(B)/tests/unit/test_elfimage: $(B)/host/tests/unit/test_elfimage.o $(B)/host/mkimage/elfimage.o
$(B)/tests/unit/test_layout: $(B)/host/tests/unit/test_layout.o $(B)/host/platforms/kvm/monitor/layout.o $(B)/host/mkimage/elfimage.o
$(B)/host/tests/unit/test_chacha.o: UNIT_CFLAGS += -Ilibos/include
$(B)/tests/unit/test_chacha: $(B)/host/tests/unit/test_chacha.o
$(B)/tests/unit/test_options: $(B)/host/tests/unit/test_options.o $(B)/host/platforms/kvm/monitor/options.o \
	$(B)/host/mkimage/size.o
$(B)/tests/unit/test_hccore: $(B)/host/tests/unit/test_hccore.o $(B)/host/platforms/kvm/monitor/hypercall.o \
	$(B)/host/platforms/kvm/monitor/layout.o $(B)/host/mkimage/elfimage.o
$(B)/tests/unit/%:
	$(call say,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(HOSTCC) -o $@ $^

# Guests built with tincan-cc, like any app.
$(B)/obj/tests/%.o: tests/guests/%.c tests/tap.h $(TOOLCHAIN)
	$(call say,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(TCC) $(APP_CFLAGS) -Wno-format-truncation -c $< -o $@
$(B)/tests/%.tc: $(B)/obj/tests/%.o $(TOOLCHAIN)
	$(call say,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(TCC) -o $@ $< -lm

$(B)/tests/netclient: tests/tools/netclient.c | deps
	$(call say,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(HOSTCC) -std=c11 $(WARN) -O2 -o $@ $<

TEST_BINS := $(B)/tests/netclient $(B)/tests/tiny.tc $(B)/tests/libc.tc $(B)/tests/threads.tc \
	$(B)/tests/sockets.tc $(addprefix $(B)/tests/unit/test_,$(UNITS))

# ---- top-level targets -------------------------------------------------------
test: all $(TEST_BINS)
	@prove $(if $(filter 1,$(V)),-v) tests/*.t

bench: all host-apps $(B)/tests/netclient
	@tests/bench/run.sh $(B)

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(B)

FORCE:
.PHONY: all deps test clean run bench install format host-apps FORCE
.DELETE_ON_ERROR:
.SECONDARY:

-include $(shell find $(B) -name '*.d' 2>/dev/null)
