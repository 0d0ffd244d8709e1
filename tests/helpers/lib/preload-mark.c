/* tests/helpers/lib/preload-mark.c - the LD_PRELOAD library of
 * tests/security/nic-helper.sh, built by make test-build as
 * build/tests/helpers/preload-mark.so: its constructor creates
 * /tmp/hako-nic-preloaded, so a setuid hako-nic that honoured a caller's
 * LD_PRELOAD leaves that file behind.  Built here, not by the test, so
 * that a host without a C compiler (the guest lane's) runs the test too. */
#include <stdio.h>

__attribute__((constructor)) static void mark(void)
{
	FILE *f = fopen("/tmp/hako-nic-preloaded", "w");
	if (f)
		fclose(f);
}
