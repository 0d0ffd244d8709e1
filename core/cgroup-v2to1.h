/* cgroup-v2to1.h - an lxc.cgroup2.* limit on a host whose controller is
 * on cgroup v1 (a hybrid host: systemd's default before v2, and this
 * project's test host).  LXC's stock configs and people's notes use the v2
 * spelling; where v1 has the same limit under another name it is written
 * there, and where it has none the key is skipped with one note at start.
 */
#ifndef HAKO_CGROUP_V2TO1_H
#define HAKO_CGROUP_V2TO1_H

#include "cgroup.h"
#include "config.h"
#include "error.h"

/* The v1 controller that holds v2 file `key` ("io.max" -> "blkio",
 * "memory.max" -> "memory"); NULL when it names no controller (cgroup.*,
 * devices.* are handled elsewhere). */
const char *hk_cgroup_v1_controller_of(const char *key);

/* Translates one v2 limit into the v1 files of its controller, appended to
 * out.  Returns 1 when translated; 0 when v1 has no such limit, with *why
 * a static explanation; -1 when the value is not one v2 would take. */
int hk_cgroup_v2_to_v1(const char *key, const char *value, struct hk_kvlist *out, const char **why,
		       struct hk_error **err);

/* What start says about a config's v2 limits on this layout: one note per
 * limit whose controller is on v1 and has no v1 spelling (skipped), in
 * notes; -1 for a value v2 would not take. */
int hk_cgroup_v2_on_v1_notes(const struct hk_cgroup_info *info, const struct hk_kvlist *v2,
			     struct hk_strv *notes, struct hk_error **err);

#endif
