/* test_rename.c - the config rewrite of `hako rename` (core/rename.c):
 * paths under the old directory move, nothing else does. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "rename.h"
#include "util.h"

static void moved(const char *in, const char *want)
{
	hk_autofree char *out =
		hk_rename_config_paths(in, "/var/lib/hako/web", "/var/lib/hako/www");
	assert_string_equal(out, want);
}

static void test_paths_move(void **state)
{
	(void)state;
	moved("lxc.rootfs.path = dir:/var/lib/hako/web/rootfs\n",
	      "lxc.rootfs.path = dir:/var/lib/hako/www/rootfs\n");
	moved("lxc.rootfs.path = /var/lib/hako/web/rootfs\n",
	      "lxc.rootfs.path = /var/lib/hako/www/rootfs\n");
	moved("lxc.rootfs.path=/var/lib/hako/web/rootfs",
	      "lxc.rootfs.path=/var/lib/hako/www/rootfs");
	/* an overlay's lower and upper */
	moved("lxc.rootfs.path = overlay:/var/lib/hako/web/rootfs:/var/lib/hako/c2/delta0\n",
	      "lxc.rootfs.path = overlay:/var/lib/hako/www/rootfs:/var/lib/hako/c2/delta0\n");
	moved("lxc.rootfs.path = overlay:/var/lib/hako/base/rootfs:/var/lib/hako/web/delta0\n",
	      "lxc.rootfs.path = overlay:/var/lib/hako/base/rootfs:/var/lib/hako/www/delta0\n");
	/* the directory itself, and in a list of words */
	moved("lxc.mount.entry = /var/lib/hako/web/data data none bind,create=dir 0 0\n",
	      "lxc.mount.entry = /var/lib/hako/www/data data none bind,create=dir 0 0\n");
	moved("lxc.hook.pre-start = /var/lib/hako/web\n",
	      "lxc.hook.pre-start = /var/lib/hako/www\n");
	moved("  lxc.mount.fstab = /var/lib/hako/web/fstab\n",
	      "  lxc.mount.fstab = /var/lib/hako/www/fstab\n");
}

static void test_others_stay(void **state)
{
	(void)state;
	const char *same[] = {
		"# lxc.rootfs.path = /var/lib/hako/web/rootfs\n",   /* a comment */
		"lxc.rootfs.path = /var/lib/hako/website/rootfs\n", /* a longer name */
		"lxc.rootfs.path = /var/lib/hako/web2\n",
		"lxc.rootfs.path = /srv/var/lib/hako/web/rootfs\n", /* not at a word's start */
		"lxc.uts.name = web\n",
		"lxc.net.0.link = hakobr0\n",
		"no equals sign /var/lib/hako/web/x\n",
		"",
	};
	for (size_t i = 0; i < HK_ARRAY_SIZE(same); i++)
		moved(same[i], same[i]);
	/* several lines: each on its own, comments and blank lines kept */
	moved("# made for web\n\nlxc.uts.name = web\nlxc.rootfs.path = dir:/var/lib/hako/web/rootfs\n# end",
	      "# made for web\n\nlxc.uts.name = web\nlxc.rootfs.path = dir:/var/lib/hako/www/rootfs\n# end");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths_move),
		cmocka_unit_test(test_others_stay),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
