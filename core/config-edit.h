/* config-edit.h - one key of a container's config changed in place. */
#ifndef HAKO_CONFIG_EDIT_H
#define HAKO_CONFIG_EDIT_H

#include "error.h"
#include "store.h"

/* Sets KEY to VALUE (NULL: removes every line of KEY) in container NAME's
 * config, validated first.  Under the container's lock: refused while it
 * is busy (started, renamed, destroyed by someone), except for the start
 * keys (lxc.start.auto, .delay, .order, lxc.group) of a container this
 * hako runs, which change at once (LXC lets them too). */
int hk_config_edit(struct hk_store *st, const char *name, const char *key, const char *value,
		   struct hk_error **err);

#endif
