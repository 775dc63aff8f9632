# The kvm platform: images that boot on tincan-run, our monitor on /dev/kvm.
# Included by the top-level Makefile when PLATFORM=kvm (the default); it
# names the guest side, the linker script and the host artefacts.

# The guest side, linked into libos.o with libos (runpath.c is separate:
# it is compiled per install prefix).
PLAT_GUEST_SRC := $(filter-out %/runpath.c,$(wildcard platforms/kvm/guest/*.c)) platforms/kvm/guest/start.S
PLAT_LDS := platforms/kvm/guest/tincan.ld
# Shared drivers (platforms/common/drivers/NAME) this platform links: none,
# its devices are tincan-run's rings.
PLAT_DRIVERS :=
# How the default manifest (platforms/common/guest/manifest.c) learns the
# platform and its ABI version, from the ABI header itself.
PLAT_MANIFEST_CFLAGS := -include platforms/kvm/abi.h -DTINCAN_PLATFORM_ID=TC_PLATFORM_KVM \
	-DTINCAN_PLATFORM_ABI=TC_ABI_VERSION
# Where images go, and their suffix.
PLAT_APPS := $(B)/apps
PLAT_IMG := .tc

# ---- the monitor: a static musl binary ---------------------------------------
MON_SRC := $(wildcard platforms/kvm/monitor/*.c) platforms/common/backtrace.c platforms/common/netopt.c mkimage/elfimage.c mkimage/size.c
MON_OBJ := $(patsubst %.c,$(B)/musl/%.o,$(MON_SRC))
# Size over speed: the monitor's time goes to KVM exits, not its own code;
# -Oz and no SSE registers keep it under its 64 KiB budget (README, Figures).
# -fno-pie: the binary is static at a fixed address (ET_EXEC) anyway, and an
# address in a register is a 5-byte mov rather than a 7-byte lea (~1 KiB).
# -malign-data=abi: arrays aligned as the ABI asks (16), not for vectors (32);
# no jump tables and no sibling calls: compares and call+ret are shorter here
# (~500 B in all; a switch on an exit reason costs nothing next to the exit).
# -flto: code generated for the whole monitor at its link, so functions called
# once are inlined and the files' helpers shared (~0.6 KiB).
MON_CFLAGS := -Oz -mgeneral-regs-only -fno-pie -malign-data=abi -fno-jump-tables -fno-optimize-sibling-calls -flto
$(MON_OBJ): MUSL_CFLAGS += -Iplatforms/common $(MON_CFLAGS)
# Built again when these flags change (a stale object would link, at another size).
$(MON_OBJ): platforms/kvm/platform.mk

# musl applies no RELRO to a static binary (its data page stays rw-), so
# PT_GNU_RELRO only padded the file by up to a page; a small common page
# size puts the data right after the code in the file.  libc-text.ld packs
# musl's functions and leaves out .comment.
$(B)/bin/tincan-run: $(MON_OBJ) platforms/kvm/monitor/libc-text.ld
	$(call say,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(MUSLCC) -static -s $(MON_CFLAGS) -Wl,--gc-sections -Wl,-z,noseparate-code -Wl,-z,norelro -Wl,-z,common-page-size=16 \
		-Wl,-T,platforms/kvm/monitor/libc-text.ld -o $@ $(MON_OBJ)

# tincan-run-debug: the same sources with TINCAN_DEBUG and the debug
# modules (platforms/kvm/monitor/debug: --stats, --metrics, --gdb, --core,
# --profile; docs/debugging.md).  tincan-run execs it for an option it does
# not know, so the normal run keeps its size and its seccomp filter.  Not
# under the 64 KiB budget; the same flags otherwise.
DMON_SRC := $(MON_SRC) $(wildcard platforms/kvm/monitor/debug/*.c)
DMON_OBJ := $(patsubst %.c,$(B)/musl-debug/%.o,$(DMON_SRC))
$(B)/musl-debug/%.o: %.c $(KINC)/.stamp Makefile platforms/kvm/platform.mk
	$(call say,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(MUSLCC) $(MUSL_CFLAGS) -Iplatforms/common $(MON_CFLAGS) -DTINCAN_DEBUG -c $< -o $@
-include $(DMON_OBJ:.o=.d)
$(B)/bin/tincan-run-debug: $(DMON_OBJ) platforms/kvm/monitor/libc-text.ld
	$(call say,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(MUSLCC) -static -s $(MON_CFLAGS) -Wl,--gc-sections -Wl,-z,noseparate-code -Wl,-z,norelro -Wl,-z,common-page-size=16 \
		-Wl,-T,platforms/kvm/monitor/libc-text.ld -o $@ $(DMON_OBJ)

# Where images built by this tree find their monitor when Linux runs them.
$(T)/kvm/runpath.o: platforms/kvm/guest/runpath.c $(NEWLIB)
	$(Q)mkdir -p $(@D)
	$(Q)$(HOSTCC) $(GUEST_CFLAGS) -DTINCAN_RUN_PATH='"$(abspath $(B))/bin/tincan-run"' -c $< -o $@

# tincan-binfmt: tincan-run as the kernel's binfmt_misc starts it (binfmt.c).
$(B)/bin/tincan-binfmt: | $(B)/bin/tincan-run
	$(Q)ln -sfn tincan-run $@

PLAT_HOST := $(B)/bin/tincan-run $(B)/bin/tincan-run-debug $(B)/bin/tincan-binfmt

# tincan-fleet (a bash script) starts, lists and stops fleets of guests;
# systemd units for guests, bridges and fleets beside it (docs/fleet.md).
$(B)/bin/tincan-fleet: platforms/kvm/fleet/tincan-fleet
	$(Q)mkdir -p $(@D)
	$(Q)cp $< $@
PLAT_HOST += $(B)/bin/tincan-fleet
# tincan-oci: a runc-compatible OCI runtime that boots bundles holding a
# tincan image with tincan-run and hands the rest to runc (docs/oci.md).
# glibc and Debian's jansson for config.json, not musl: it is not on the
# guest's path, and a JSON reader is not worth writing.
OCI_SRC := $(wildcard platforms/kvm/oci/*.c) mkimage/elfimage.c
OCI_OBJ := $(patsubst %.c,$(B)/oci/%.o,$(OCI_SRC))
$(B)/oci/%.o: %.c Makefile platforms/kvm/platform.mk | deps
	$(call say,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(HOSTCC) -std=c11 $(WARN) -O2 -D_GNU_SOURCE -Imkimage -Imkimage/include -Iplatforms/kvm -MMD -MP \
		-DTINCAN_VERSION='"$(VERSION)"' -c $< -o $@
-include $(OCI_OBJ:.o=.d)
$(B)/bin/tincan-oci: $(OCI_OBJ)
	$(call say,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(HOSTCC) -o $@ $(OCI_OBJ) -ljansson
PLAT_HOST += $(B)/bin/tincan-oci
FLEET_UNITS := tincan@.service tincan-bridge@.service tincan-fleet@.service
PLAT_LIB := $(T)/kvm/runpath.o

# make install: the monitor, and runpath.o compiled for the prefix.
define PLAT_INSTALL
	$(Q)install -m 755 $(B)/bin/tincan-run $(B)/bin/tincan-run-debug $(DESTDIR)$(abspath $(PREFIX))/bin/
	$(Q)ln -sfn tincan-run $(DESTDIR)$(abspath $(PREFIX))/bin/tincan-binfmt
	$(Q)install -m 755 platforms/kvm/fleet/tincan-fleet $(B)/bin/tincan-oci $(DESTDIR)$(abspath $(PREFIX))/bin/
	$(Q)install -d $(DESTDIR)$(abspath $(PREFIX))/lib/systemd/system $(DESTDIR)$(abspath $(PREFIX))/share/tincan/examples
	$(Q)for u in $(FLEET_UNITS); do sed 's|/usr/local/bin/|$(abspath $(PREFIX))/bin/|' platforms/kvm/fleet/$$u \
		> $(DESTDIR)$(abspath $(PREFIX))/lib/systemd/system/$$u; done
	$(Q)install -m 644 platforms/kvm/fleet/guest.conf platforms/kvm/fleet/bridge.conf platforms/kvm/fleet/example.fleet \
		$(DESTDIR)$(abspath $(PREFIX))/share/tincan/examples/
	$(Q)install -D -m 644 platforms/kvm/fleet/tincan.tmpfiles $(DESTDIR)$(abspath $(PREFIX))/lib/tmpfiles.d/tincan.conf
	$(Q)toolchain/binfmt.sh line $(abspath $(PREFIX))/bin/tincan-binfmt > $(DESTDIR)$(abspath $(PREFIX))/lib/tincan/binfmt.conf
	$(Q)if [ "$(BINFMT)" = 1 ] && [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then \
		if toolchain/binfmt.sh register $(abspath $(PREFIX))/bin/tincan-binfmt; then \
			echo "  BINFMT   images run as programs now boot under $(abspath $(PREFIX))/bin/tincan-run"; \
		else echo "  BINFMT   not registered: images run as programs re-execute themselves (see README)"; fi; fi
	$(Q)$(HOSTCC) $(GUEST_CFLAGS) -MF /dev/null -DTINCAN_RUN_PATH='"$(abspath $(PREFIX))/bin/tincan-run"' \
		-c platforms/kvm/guest/runpath.c -o $(DESTDIR)$(abspath $(PREFIX))/lib/tincan/kvm/runpath.o
endef

# ---- the platform's own test guests: hand-written, no libc -------------------
# Without libos, so without its stack protector canary.
TINY_CFLAGS := -std=c11 $(WARN) -O2 -ffreestanding -nostdinc -isystem $(GCCINC) $(TARGET_CFLAGS) -fno-stack-protector \
	-MMD -MP

$(B)/tiny/%.o: %.c platforms/$(PLATFORM)/platform.mk toolchain/target.cflags | deps
	$(call say,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(HOSTCC) $(TINY_CFLAGS) -c $< -o $@
$(B)/tiny/%.o: %.S | deps
	$(call say,AS,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(HOSTCC) $(TINY_CFLAGS) -c $< -o $@
$(B)/tiny/platforms/common/guest/manifest.o: TINY_CFLAGS += -Imkimage/include $(PLAT_MANIFEST_CFLAGS)

TINY_OBJ := $(addprefix $(B)/tiny/,tests/guests/tiny_start.o tests/guests/tiny.o platforms/common/guest/manifest.o)
$(B)/tests/tiny.tc: $(TINY_OBJ) $(PLAT_LDS)
	$(call say,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(HOSTCC) $(TARGET_LDFLAGS) -Wl,-T,$(PLAT_LDS) -o $@ $(TINY_OBJ) -lgcc

# The block device guest: the ring by hand, and plat_block_* from the
# platform's own block.c (compiled for libos.o).
BLKG_OBJ := $(addprefix $(B)/tiny/,tests/guests/tiny_start.o tests/guests/blk.o platforms/common/guest/manifest.o) \
	$(GB)/platforms/kvm/guest/block.o
$(B)/tiny/tests/guests/blk.o: TINY_CFLAGS += -Ilibos/include
$(B)/tests/blk.tc: $(BLKG_OBJ) $(PLAT_LDS)
	$(call say,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(HOSTCC) $(TARGET_LDFLAGS) -Wl,-T,$(PLAT_LDS) -o $@ $(BLKG_OBJ) -lgcc

PLAT_TEST_BINS := $(B)/tests/tiny.tc $(B)/tests/blk.tc
