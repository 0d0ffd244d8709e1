# hako - GNU Makefile.  `make` builds build/hako on top of build/libhako.a
# (core/) and build/libhkwidgets.a (widgets/).  See README.md.

BUILD    ?= build
NPROC    ?= $(shell nproc 2>/dev/null || echo 2)
PREFIX   ?= /usr/local
DESTDIR  ?=
CC       ?= gcc
CLANG    ?= clang
PKG_CONFIG ?= pkg-config
FUZZ_SECONDS ?= 60

PKG_CORE := libcap libseccomp libnl-3.0 libnl-route-3.0 inih libarchive libcurl
PKG_TUI  := ncursesw

WARN := -std=gnu11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wformat=2 -Wwrite-strings -Werror
CFLAGS ?= -O2 -g
ifeq ($(SAN),1)
  CFLAGS  += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
  LDFLAGS += -fsanitize=address,undefined
endif

# libcurl: its header only; core/image-http.c loads it at the first download.
PKG_CORE_LINK := $(filter-out libcurl,$(PKG_CORE))

# Lazy (=) so that `make deps` works before pkg-config and the -dev packages exist.
CORE_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKG_CORE))
CORE_LIBS   = $(shell $(PKG_CONFIG) --libs $(PKG_CORE_LINK))
TUI_CFLAGS  = $(shell $(PKG_CONFIG) --cflags $(PKG_TUI))
TUI_LIBS    = $(shell $(PKG_CONFIG) --libs $(PKG_TUI))
CMOCKA_LIBS = $(shell $(PKG_CONFIG) --libs cmocka)

# The hako binary takes its libraries (all but libc) from their static
# archives: an exec then maps 2 objects instead of 20, which was most of a
# short command's CPU time (make STATIC_LIBS=0 links them dynamically).
STATIC_LIBS ?= 1
ifeq ($(STATIC_LIBS),1)
  HAKO_LIBS = -Wl,-Bstatic $(shell $(PKG_CONFIG) --static --libs $(PKG_TUI) $(PKG_CORE_LINK)) -Wl,-Bdynamic
else
  HAKO_LIBS = $(TUI_LIBS) $(CORE_LIBS)
endif

# hako-nic (setuid root) needs netlink and nothing else of PKG_CORE.
PKG_NIC := libnl-3.0 libnl-route-3.0
NIC_LIBS = $(shell $(PKG_CONFIG) --libs $(PKG_NIC))

# The boot unit's name: make install writes it, and every scope hako makes
# is ordered before it (core/sdbus.h), so both come from here.
AUTOSTART_UNIT := hako-autostart.service
CPPFLAGS += -D_GNU_SOURCE -DHAKO_VERSION=\"$(VERSION)\" -DHAKO_PREFIX=\"$(PREFIX)\" \
	    -DHAKO_AUTOSTART_UNIT=\"$(AUTOSTART_UNIT)\" -I. -Icore -Iwidgets
VERSION  := 0.1.0

# core/nic/: hako-nic's own code; its main is NIC_SRC, the rest
# (NIC_LIB_SRC) goes into its archive and into libhako.a, whose doctor,
# setup-user and monitor read the same files.
NIC_SRC     := core/nic/hako-nic.c
NIC_LIB_SRC := $(filter-out $(NIC_SRC),$(sort $(wildcard core/nic/*.c)))
CORE_SRC    := $(sort $(wildcard core/*.c)) $(NIC_LIB_SRC)
WIDGET_SRC  := $(sort $(wildcard widgets/*.c))
STUB_SRC    := tui/hako-stub.c
TUI_SRC     := $(filter-out $(STUB_SRC),$(sort $(wildcard tui/*.c)))
UNIT_SRC    := $(sort $(wildcard tests/unit/test_*.c))
WUNIT_SRC   := $(filter tests/unit/test_widget%,$(UNIT_SRC))
CUNIT_SRC   := $(filter-out $(WUNIT_SRC),$(UNIT_SRC))
FUZZ_SRC    := $(sort $(wildcard tests/fuzz/fuzz_*.c))
HELPER_SRC  := $(sort $(wildcard tests/helpers/*.c))
HELPER_LIB_SRC := $(sort $(wildcard tests/helpers/lib/*.c))

CORE_OBJ   := $(CORE_SRC:%.c=$(BUILD)/%.o)
NIC_LIB_OBJ := $(NIC_LIB_SRC:%.c=$(BUILD)/%.o)
WIDGET_OBJ := $(WIDGET_SRC:%.c=$(BUILD)/%.o)
TUI_OBJ    := $(TUI_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN   := $(CUNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%) $(WUNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
HELPER_BIN := $(HELPER_SRC:tests/helpers/%.c=$(BUILD)/tests/helpers/%)
HELPER_LIB := $(HELPER_LIB_SRC:tests/helpers/lib/%.c=$(BUILD)/tests/helpers/%.so)
FUZZ_BIN   := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)

DEPS_PKGS := build-essential pkg-config libncurses-dev libcap-dev libseccomp-dev \
             libnl-3-dev libnl-route-3-dev libinih-dev libcmocka-dev clang \
             libclang-rt-14-dev busybox-static uidmap tmux btrfs-progs lxc \
             iproute2 util-linux acl attr cppcheck clang-format procps \
             libarchive-dev libcurl4-openssl-dev gpgv gnupg xz-utils python3 \
             libacl1-dev libzstd-dev zstd liblz4-dev systemd dbus-daemon dbus-user-session \
             qemu-system-x86 qemu-utils debootstrap e2fsprogs kmod strace musl-tools \
             man-db openssh-client openssh-server criu iptables rsync

.PHONY: all deps demo check unit test-build hako-static bench fuzz fuzz-build install clean lint format format-check layer-check \
	nic-link-check

all: $(BUILD)/hako $(BUILD)/hako-nic

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) $(CORE_CFLAGS) $(if $(filter tui/% widgets/% tests/unit/test_widget%,$<),$(TUI_CFLAGS)) -MMD -MP -c $< -o $@

$(BUILD)/libhako.a: $(CORE_OBJ) $(BUILD)/tui/hako-stub-blob.o
	@rm -f $@
	ar rcs $@ $^

# hako-stub (core/stub.h): static, never sanitized, embedded as bytes and
# copied into a sealed memfd for every start and attach, so its size is
# paid each time: built with musl (42 KB) where musl-gcc is installed
# (make deps installs musl-tools), else with glibc (700 KB).
STUB_CC := $(or $(shell command -v musl-gcc 2>/dev/null),$(CC))
$(BUILD)/tui/hako-stub: $(STUB_SRC) core/stub-proto.h
	@mkdir -p $(dir $@)
	$(STUB_CC) $(CPPFLAGS) $(WARN) -Os -static -s -o $@ $<
$(BUILD)/tui/hako-stub-blob.o: tui/hako-stub-blob.S $(BUILD)/tui/hako-stub
	$(CC) -DHK_STUB_BIN='"$(BUILD)/tui/hako-stub"' -c $< -o $@

$(BUILD)/libhkwidgets.a: $(WIDGET_OBJ)
	@rm -f $@ && mkdir -p $(dir $@)
	ar rcs $@ $^

$(BUILD)/hako: $(TUI_OBJ) $(BUILD)/libhkwidgets.a $(BUILD)/libhako.a
	$(CC) $(LDFLAGS) -o $@ $(TUI_OBJ) $(BUILD)/libhkwidgets.a $(BUILD)/libhako.a $(HAKO_LIBS)

# The setuid helper: its own archive first, then the base it needs from
# libhako.a, netlink only; never ncurses.  The link map says which object
# each archive member was pulled in by (make nic-link-check reads it; when
# the link fails, e.g. on the config's libraries, it says who pulled what).
$(BUILD)/libhakonic.a: $(NIC_LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/hako-nic: $(BUILD)/core/nic/hako-nic.o $(BUILD)/libhakonic.a $(BUILD)/libhako.a
	$(CC) $(LDFLAGS) -Wl,-Map=$@.map -o $@ $^ $(NIC_LIBS) || { tests/nic-link-check.sh $@.map; exit 1; }

# Fails when hako-nic links an object of the config, the store, the
# storage backends, the engine or a front end (tests/nic-link-check.sh
# lists them); tests/run lint runs it.
# core/README.md's layering rules (core/ knows no curses, widgets/ no core/)
layer-check:
	@tests/layer-check.sh

nic-link-check: $(BUILD)/hako-nic
	@tests/nic-link-check.sh $(BUILD)/hako-nic.map

$(BUILD)/tests/test_widget%: $(BUILD)/tests/unit/test_widget%.o $(BUILD)/libhkwidgets.a
	$(CC) $(LDFLAGS) -o $@ $^ $(TUI_LIBS) $(CMOCKA_LIBS)

$(BUILD)/tests/test_%: $(BUILD)/tests/unit/test_%.o $(BUILD)/libhako.a
	$(CC) $(LDFLAGS) -o $@ $^ $(CORE_LIBS) $(CMOCKA_LIBS)

# Tiny static programs run inside containers by the integration tests.
$(BUILD)/tests/helpers/%: tests/helpers/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(WARN) -O2 -static -o $@ $<

# Shared libraries the security tests plant in a rootfs or preload
# (built here, so that a host without a compiler, as the guest lane's,
# runs those tests too).
$(BUILD)/tests/helpers/%.so: tests/helpers/lib/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(WARN) -O2 -shared -fPIC -o $@ $<

# hako for use inside containers (hako-nesting(7)): static, so that it
# runs in any rootfs; the nesting profile bind-mounts it read-only at
# /usr/local/bin/hako.  build/config/nesting.conf points at this build.
# No libcurl in it (core/image-http.c says why): its own image-http.o
# comes before libhako.a, so the archive's is never pulled in.
HAKO_STATIC_LINK = $(shell $(PKG_CONFIG) --static --libs $(PKG_TUI) $(PKG_CORE_LINK))
$(BUILD)/static/image-http.o: core/image-http.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -DHAKO_NO_CURL $(WARN) $(CFLAGS) -c $< -o $@
$(BUILD)/hako-static: $(TUI_OBJ) $(BUILD)/static/image-http.o $(BUILD)/libhkwidgets.a $(BUILD)/libhako.a
	$(CC) $(LDFLAGS) -static -o $@ $(TUI_OBJ) $(BUILD)/static/image-http.o $(BUILD)/libhkwidgets.a \
		$(BUILD)/libhako.a $(HAKO_STATIC_LINK) 2>$@.log || { cat $@.log; exit 1; }

hako-static: $(BUILD)/hako-static $(BUILD)/config/nesting.conf

$(BUILD)/config/nesting.conf: core/profiles/nesting.conf.in
	@mkdir -p $(dir $@)
	sed -e 's|@HAKO_STATIC@|$(abspath $(BUILD))/hako-static|' \
	    -e 's|@PROFILE_DIR@|$(PREFIX)/share/hako/config|' $< >$@

# (No static build under the sanitizers: ASan does not link statically.)
test-build: $(BUILD)/hako $(BUILD)/hako-nic $(UNIT_BIN) $(HELPER_BIN) $(HELPER_LIB) $(if $(filter 1,$(SAN)),,hako-static)

# libFuzzer targets: clang, ASan+UBSan; core/ is compiled once for them.
FUZZ_FLAGS := -std=gnu11 -g -O1 -fsanitize=address,undefined -fno-omit-frame-pointer
FUZZ_CORE  := $(CORE_SRC:%.c=build/fuzz/obj/%.o)

build/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CLANG) $(CPPFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link $(CORE_CFLAGS) -MMD -MP -c $< -o $@

build/fuzz/libhako-fuzz.a: $(FUZZ_CORE) build/tui/hako-stub-blob.o
	@rm -f $@
	ar rcs $@ $^

build/fuzz/%: tests/fuzz/%.c build/fuzz/libhako-fuzz.a
	@mkdir -p $(dir $@)
	$(CLANG) $(CPPFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer $(CORE_CFLAGS) \
		-o $@ $< build/fuzz/libhako-fuzz.a $(CORE_LIBS)

fuzz-build: $(FUZZ_BIN)

fuzz: deps fuzz-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) tests/run fuzz

deps:
	@tests/deps.sh $(DEPS_PKGS)

demo: deps all hako-static
	@tests/demo.sh $(BUILD)/hako

# check: build/ first (what the guest lane copies), then tests/run all,
# which starts the guests and builds build/asan and build/fuzz beside them.
check: deps
	$(MAKE) -j$(NPROC) test-build
	NPROC=$(NPROC) tests/run all

unit: test-build
	tests/run unit

bench: deps all
	tests/bench/run.sh $(BUILD)/hako

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability,performance \
		--inline-suppr --suppress=missingIncludeSystem -I core -I widgets core widgets tui

# Every C file of the tree against .clang-format (tests/run lint runs
# format-check; make format rewrites the files in place).
FORMAT_SRC = $(CORE_SRC) $(NIC_SRC) $(WIDGET_SRC) $(TUI_SRC) $(STUB_SRC) core/*.h core/nic/*.h \
	widgets/*.h tui/*.h $(UNIT_SRC) tests/unit/*.h $(FUZZ_SRC) $(HELPER_SRC) $(HELPER_LIB_SRC)
format-check:
	@clang-format --dry-run --Werror $(FORMAT_SRC)

format:
	clang-format -i $(FORMAT_SRC)

install: all $(BUILD)/hako-static
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man7 \
		$(DESTDIR)$(PREFIX)/share/man/man8 $(DESTDIR)$(PREFIX)/share/hako/themes
	install -m 0755 $(BUILD)/hako $(DESTDIR)$(PREFIX)/bin/hako
	install -d $(DESTDIR)$(PREFIX)/libexec/hako
	install -m 4755 $(if $(DESTDIR),,-o root -g root) $(BUILD)/hako-nic $(DESTDIR)$(PREFIX)/libexec/hako/hako-nic
	for m in man/*.[0-9]; do s=$${m##*.}; install -m 0644 $$m $(DESTDIR)$(PREFIX)/share/man/man$$s/; done
	install -m 0644 themes/*.theme $(DESTDIR)$(PREFIX)/share/hako/themes/
	install -d $(DESTDIR)$(PREFIX)/lib/hako $(DESTDIR)$(PREFIX)/share/hako/config
	install -m 0755 $(BUILD)/hako-static $(DESTDIR)$(PREFIX)/lib/hako/hako-static
	sed -e 's|@HAKO_STATIC@|$(PREFIX)/lib/hako/hako-static|' -e 's|@PROFILE_DIR@|$(PREFIX)/share/hako/config|' \
		core/profiles/nesting.conf.in >$(DESTDIR)$(PREFIX)/share/hako/config/nesting.conf
	install -d $(DESTDIR)$(PREFIX)/lib/systemd/system $(DESTDIR)$(PREFIX)/lib/systemd/user
	sed -e 's|@BINDIR@|$(PREFIX)/bin|' -e 's|@OPTS@||' -e 's|@WANTED_BY@|multi-user.target|' \
		core/units/hako-autostart.service.in >$(DESTDIR)$(PREFIX)/lib/systemd/system/$(AUTOSTART_UNIT)
	sed -e 's|@BINDIR@|$(PREFIX)/bin|' -e 's|@OPTS@||' -e 's|@WANTED_BY@|default.target|' \
		core/units/hako-autostart.service.in >$(DESTDIR)$(PREFIX)/lib/systemd/user/$(AUTOSTART_UNIT)

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
