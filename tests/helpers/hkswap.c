/* tests/helpers/hkswap.c - the attacker of tests/security/rename-race.sh:
 * in directory DIR, swaps entries A and B with renameat2(RENAME_EXCHANGE)
 * as fast as it can (a directory and a symlink to a host path, so that a
 * runtime resolving a mount target through DIR by a string sees the
 * symlink half the time), until SECONDS have passed or it is killed.
 * Prints the number of swaps made.  Static, so that it runs as any uid.
 *
 *   hkswap DIR A B SECONDS */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: hkswap DIR A B SECONDS\n");
		return 2;
	}
	int dir = open(argv[1], O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0) {
		perror("hkswap: open");
		return 1;
	}
	time_t end = time(NULL) + atol(argv[4]);
	unsigned long swaps = 0;
	while (time(NULL) < end) {
		for (int i = 0; i < 1000; i++) {
			if (renameat2(dir, argv[2], dir, argv[3], RENAME_EXCHANGE) < 0) {
				perror("hkswap: renameat2");
				return 1;
			}
			swaps++;
		}
	}
	printf("%lu\n", swaps);
	return 0;
}
