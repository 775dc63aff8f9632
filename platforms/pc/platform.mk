# The pc platform: images that boot on a PC (or any hypervisor that emulates
# one) from a multiboot2 boot loader (GRUB, and so bootable ISOs) or through
# the PVH entry (QEMU -kernel, -M microvm).  Included by the top-level
# Makefile when PLATFORM=pc.

# The guest side: ring 0 (guest/k_*.c: boot, CPU tables, page tables,
# devices) and ring 3 (guest/platform.c and the rest: the plat_* functions).
PLAT_GUEST_SRC := $(wildcard platforms/pc/guest/*.c) platforms/pc/guest/boot.S platforms/pc/guest/trap.S \
	platforms/common/backtrace.c platforms/common/netopt.c
PLAT_LDS := platforms/pc/guest/tincan.ld
PLAT_DRIVERS := virtio
PLAT_MANIFEST_CFLAGS := -include platforms/pc/abi.h -DTINCAN_PLATFORM_ID=TC_PLATFORM_PC \
	-DTINCAN_PLATFORM_ABI=PC_ABI_VERSION
PLAT_APPS := $(B)/apps/pc
PLAT_IMG := .elf

# Ring 0 runs with SSE off (on nested KVM hosts SSE at CPL0 is not even
# emulated): its files use the general registers only, and no red zone
# (interrupts taken in ring 0 push onto the same stack).  No stack
# protector either: ring 0 runs before ring 3 sets the canary, and its
# failure path (a panic) is ring 3's.
$(GB)/platforms/pc/guest/k_%.o: GUEST_CFLAGS += -mgeneral-regs-only -mno-red-zone -fno-builtin \
	-fno-tree-loop-distribute-patterns -Iplatforms/pc -fno-stack-protector
$(GB)/platforms/common/backtrace.o: GUEST_CFLAGS += -mgeneral-regs-only -mno-red-zone -fno-builtin -fno-stack-protector
$(GB)/platforms/pc/guest/%.o: GUEST_CFLAGS += -Iplatforms/pc -Iplatforms/pc/guest -Iplatforms/common \
	-Iplatforms/common/drivers/virtio

# Each app also as a bootable BIOS+UEFI ISO, build/apps/NAME.iso (GRUB and
# xorriso from Debian, through tincan-mkimage --iso).  No host tools of its
# own: QEMU boots the images.
$(B)/apps/%.iso: $(PLAT_APPS)/%.elf $(B)/bin/tincan-mkimage
	$(call say,ISO,$@)
	$(Q)$(B)/bin/tincan-mkimage --iso=$@ $< > /dev/null
PLAT_ALL = $(foreach a,$(APPS),$(B)/apps/$(a).iso)
PLAT_HOST :=
PLAT_LIB :=
define PLAT_INSTALL
endef

PLAT_TEST_BINS :=
