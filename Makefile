# SPDX-License-Identifier: GPL-2.0
#
# Out-of-tree build and the project's entry points.
#   make                 build the modules for the running kernel (KDIR=...)
#   make demo            boot a stock Debian kernel in QEMU and show an offer
#   make check           every test; prints "N passed, N failed"
#   make bench           the data path benchmark on UML (a table, no verdict)
#   make mutants         mutation testing of the KUnit suites (SMP=1: on the
#                        test kernel); not part of make check

KDIR ?= /lib/modules/$(shell uname -r)/build
TESTS := tools/testing/vmbus_server

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean

demo:
	$(TESTS)/demo.sh $(DEMO_ARGS)

check:
	$(TESTS)/check.sh

bench:
	$(TESTS)/kunit.sh bench

mutants:
	$(TESTS)/mutants.py $(if $(SMP),--smp) $(MUTANTS)

.PHONY: all modules clean demo check bench mutants
