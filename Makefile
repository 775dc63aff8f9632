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
GCCINC := $(shell $(HOSTCC) -print-file-name=include)

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
MON_SRC := $(wildcard platforms/kvm/monitor/*.c) mkimage/elfimage.c
MON_OBJ := $(patsubst %.c,$(B)/musl/%.o,$(MON_SRC))
MUSL_CFLAGS := -std=c11 $(WARN) -Os -D_GNU_SOURCE -Imkimage -isystem $(KINC) -MMD -MP \
	-ffunction-sections -fdata-sections -DTINCAN_VERSION='"$(VERSION)"'

$(KINC)/.stamp: | deps
	$(Q)mkdir -p $(KINC)
	$(Q)for d in /usr/include/linux /usr/include/x86_64-linux-gnu/asm /usr/include/asm-generic; do \
		test -d $$d || { echo "missing $$d: install linux-libc-dev" >&2; exit 1; }; \
		ln -sfn $$d $(KINC)/; done
	$(Q)touch $@

$(B)/musl/%.o: %.c $(KINC)/.stamp
	$(call say,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(MUSLCC) $(MUSL_CFLAGS) -c $< -o $@

$(B)/bin/tincan-run: $(MON_OBJ)
	$(call say,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(MUSLCC) -static -s -Wl,--gc-sections -o $@ $^

all: $(B)/bin/tincan-run

# ---- hand-written test guests (no libc) --------------------------------------
TINY_CFLAGS := -std=c11 $(WARN) -O2 -ffreestanding -nostdinc -isystem $(GCCINC) -fno-pie \
	-fno-stack-protector -fno-omit-frame-pointer -fno-asynchronous-unwind-tables -MMD -MP
IMAGE_LDFLAGS := -nostdlib -static -no-pie -Wl,-T,platforms/kvm/guest/tincan.ld -Wl,--gc-sections \
	-Wl,-z,noexecstack -Wl,-z,max-page-size=4096 -Wl,--build-id=none

$(B)/tiny/%.o: %.c
	$(call say,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(HOSTCC) $(TINY_CFLAGS) -c $< -o $@
$(B)/tiny/%.o: %.S
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
UNITS := elfimage layout options
$(B)/host/%.o: %.c
	$(call say,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(HOSTCC) $(UNIT_CFLAGS) -c $< -o $@
$(B)/tests/unit/test_elfimage: $(B)/host/tests/unit/test_elfimage.o $(B)/host/mkimage/elfimage.o
$(B)/tests/unit/test_layout: $(B)/host/tests/unit/test_layout.o $(B)/host/platforms/kvm/monitor/layout.o $(B)/host/mkimage/elfimage.o
$(B)/tests/unit/test_options: $(B)/host/tests/unit/test_options.o $(B)/host/platforms/kvm/monitor/options.o
$(B)/tests/unit/%:
	$(call say,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(HOSTCC) -o $@ $^

TEST_BINS := $(B)/tests/tiny.tc $(addprefix $(B)/tests/unit/test_,$(UNITS))

# ---- top-level targets -------------------------------------------------------
test: all $(TEST_BINS)
	@prove $(if $(filter 1,$(V)),-v) tests/*.t

clean:
	rm -rf $(B)

.PHONY: all deps test clean run bench install
.DELETE_ON_ERROR:

-include $(shell find $(B) -name '*.d' 2>/dev/null)
