/* rootfs.c - building the mount plan of a container and executing it.
 *
 * The plan is a flat, ordered list of struct hk_op.  Building it reads only
 * its input; executing it resolves every target with hk_safe_* (mount
 * targets "beneath" the rootfs: absolute or escaping symlinks are refused)
 * and mounts by descriptor (mountfd.c). */
#include "rootfs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mountfd.h"

#define MNT_SAFE (HK_MNT_NOSUID | HK_MNT_NODEV | HK_MNT_NOEXEC)

/* Paths hidden from every container (Docker's and LXC's lists). */
static const char *const masked_paths[] = {
	"proc/kcore",
	"proc/keys",
	"proc/timer_list",
	"proc/timer_stats",
	"proc/sched_debug",
	"proc/interrupts",
	"proc/latency_stats",
	"proc/acpi",
	"proc/scsi",
	"proc/asound",
	"sys/firmware",
	"sys/devices/virtual/powercap",
	"sys/devices/system/cpu/cpu*/thermal_throttle",
};

/* Made read-only under proc:mixed. */
static const char *const proc_readonly[] = {
	"proc/sys", "proc/sysrq-trigger", "proc/irq", "proc/bus", "proc/fs",
};

struct devnode {
	const char *name;
	unsigned major, minor;
};

static const struct devnode dev_nodes[] = {
	{ "null", 1, 3 },   { "zero", 1, 5 },	 { "full", 1, 7 },
	{ "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
};

static const char *const dev_links[][2] = {
	{ "dev/fd", "/proc/self/fd" },	     { "dev/stdin", "/proc/self/fd/0" },
	{ "dev/stdout", "/proc/self/fd/1" }, { "dev/stderr", "/proc/self/fd/2" },
	{ "dev/ptmx", "pts/ptmx" },	     { "dev/core", "/proc/kcore" },
};

static struct hk_op *add_op(struct hk_mount_plan *p, enum hk_op_kind kind, const char *target)
{
	p->ops = xrealloc(p->ops, (p->n + 1) * sizeof(*p->ops));
	struct hk_op *op = &p->ops[p->n++];
	memset(op, 0, sizeof(*op));
	op->kind = kind;
	op->target = xstrdup(target);
	return op;
}

static struct hk_op *add_newfs(struct hk_mount_plan *p, const char *target, const char *fstype,
			       const char *data, unsigned attrs)
{
	struct hk_op *op = add_op(p, HK_OP_NEWFS, target);
	op->fstype = xstrdup(fstype);
	op->data = data ? xstrdup(data) : NULL;
	op->attrs = attrs;
	op->create = HK_CREATE_DIR;
	return op;
}

/* The mode chosen for proc, sys and cgroup by lxc.mount.auto. */
struct auto_modes {
	const char *proc;   /* "mixed" or "rw" */
	const char *sys;    /* "ro", "rw" or "mixed" */
	const char *cgroup; /* "mixed", "ro" or "rw" */
};

static int parse_auto(const struct hk_strv *words, struct auto_modes *m, struct hk_error **err)
{
	*m = (struct auto_modes){ "mixed", "ro", "mixed" };
	static const struct {
		const char *word;
		int which; /* 0 proc, 1 sys, 2 cgroup */
		const char *mode;
	} table[] = {
		{ "proc", 0, "mixed" },
		{ "proc:mixed", 0, "mixed" },
		{ "proc:rw", 0, "rw" },
		{ "sys", 1, "mixed" },
		{ "sys:mixed", 1, "mixed" },
		{ "sys:ro", 1, "ro" },
		{ "sys:rw", 1, "rw" },
		{ "cgroup", 2, "mixed" },
		{ "cgroup:mixed", 2, "mixed" },
		{ "cgroup:ro", 2, "ro" },
		{ "cgroup:rw", 2, "rw" },
		{ "cgroup:force", 2, "mixed" },
		{ "cgroup-full", 2, "mixed" },
		{ "cgroup-full:mixed", 2, "mixed" },
		{ "cgroup-full:ro", 2, "ro" },
		{ "cgroup-full:rw", 2, "rw" },
		{ "cgroup-full:force", 2, "mixed" },
	};
	for (size_t i = 0; words && i < words->n; i++) {
		size_t j;
		for (j = 0; j < HK_ARRAY_SIZE(table); j++)
			if (strcmp(words->v[i], table[j].word) == 0)
				break;
		if (j == HK_ARRAY_SIZE(table)) {
			if (hk_str_has_prefix(words->v[i], "shmounts:"))
				continue; /* LXC's shared-mount helper: nothing to do here */
			return hk_error_set(err, EINVAL, "lxc.mount.auto: unknown word \"%s\"",
					    words->v[i]);
		}
		const char **slot = table[j].which == 0	  ? &m->proc
				    : table[j].which == 1 ? &m->sys
							  : &m->cgroup;
		*slot = table[j].mode;
	}
	return 0;
}

static void plan_proc(struct hk_mount_plan *p, const char *mode)
{
	add_newfs(p, "proc", "proc", NULL, MNT_SAFE);
	if (strcmp(mode, "mixed") != 0)
		return;
	for (size_t i = 0; i < HK_ARRAY_SIZE(proc_readonly); i++) {
		struct hk_op *op = add_op(p, HK_OP_SELFBIND, proc_readonly[i]);
		op->attrs = HK_MNT_RDONLY | MNT_SAFE;
		op->optional = true;
	}
}

static void plan_sys(struct hk_mount_plan *p, const char *mode)
{
	add_newfs(p, "sys", "sysfs", NULL,
		  MNT_SAFE | (strcmp(mode, "ro") == 0 ? HK_MNT_RDONLY : 0));
	if (strcmp(mode, "mixed") == 0) {
		/* Writable network device attributes, read-only everything else. */
		struct hk_op *op = add_op(p, HK_OP_SELFBIND, "sys/devices/virtual/net");
		op->attrs = MNT_SAFE;
		op->optional = true;
		add_op(p, HK_OP_SETATTR, "sys")->attrs = HK_MNT_RDONLY | MNT_SAFE;
	}
}

static void plan_cgroup(struct hk_mount_plan *p, const struct hk_plan_input *in, const char *mode)
{
	unsigned ro = strcmp(mode, "ro") == 0 ? HK_MNT_RDONLY : 0;
	p->cgroups_at = p->n;
	if (in->n_cgroups == 1 && !*in->cgroups[0].name) { /* pure v2 */
		add_newfs(p, "sys/fs/cgroup", "cgroup2", NULL, MNT_SAFE | ro);
		return;
	}
	if (in->n_cgroups == 0)
		return;
	add_newfs(p, "sys/fs/cgroup", "tmpfs", "mode=0755,size=64k", MNT_SAFE);
	for (size_t i = 0; i < in->n_cgroups; i++) {
		const struct hk_cgroup_mount *c = &in->cgroups[i];
		hk_autofree char *target = xasprintf("sys/fs/cgroup/%s", c->name);
		add_newfs(p, target, c->fstype, c->options, MNT_SAFE | ro)->optional = true;
	}
	/* The tmpfs holding the hierarchies is never writable inside. */
	add_op(p, HK_OP_SETATTR, "sys/fs/cgroup")->attrs = HK_MNT_RDONLY | MNT_SAFE;
}

static void plan_dev(struct hk_mount_plan *p, const struct hk_plan_input *in)
{
	if (in->autodev) {
		add_newfs(p, "dev", "tmpfs", "mode=0755,size=500k", HK_MNT_NOSUID | HK_MNT_NOEXEC);
		for (size_t i = 0; i < HK_ARRAY_SIZE(dev_nodes); i++) {
			hk_autofree char *t = xasprintf("dev/%s", dev_nodes[i].name);
			struct hk_op *op = add_op(p, HK_OP_DEVNODE, t);
			op->major = dev_nodes[i].major;
			op->minor = dev_nodes[i].minor;
			op->mode = 0666;
		}
		for (size_t i = 0; i < HK_ARRAY_SIZE(dev_links); i++) {
			if (strcmp(dev_links[i][0], "dev/core") == 0)
				continue; /* /proc/kcore is masked: no link to it */
			add_op(p, HK_OP_SYMLINK, dev_links[i][0])->source =
				xstrdup(dev_links[i][1]);
		}
		add_newfs(p, "dev/shm", "tmpfs", "mode=1777", MNT_SAFE);
		add_newfs(p, "dev/mqueue", "mqueue", NULL, MNT_SAFE)->optional = true;
	}
	/* The console and ttys come from this devpts too: room for them on
	 * top of lxc.pty.max. */
	hk_autofree char *pts = in->pty_max
					? xasprintf("newinstance,ptmxmode=0666,mode=0620,max=%u",
						    in->pty_max + 1 + in->tty_max)
					: xstrdup("newinstance,ptmxmode=0666,mode=0620");
	add_newfs(p, "dev/pts", "devpts", pts, HK_MNT_NOSUID | HK_MNT_NOEXEC);
	if (in->console)
		add_op(p, HK_OP_CONSOLE, "dev/console")->create = HK_CREATE_FILE;
	for (unsigned i = 1; i <= in->tty_max; i++) {
		hk_autofree char *t = xasprintf("dev/tty%u", i);
		struct hk_op *op = add_op(p, HK_OP_TTY, t);
		op->minor = i;
		op->create = HK_CREATE_FILE;
	}
}

static int plan_entries(struct hk_mount_plan *p, const struct hk_strv *entries,
			struct hk_error **err)
{
	for (size_t i = 0; entries && i < entries->n; i++) {
		struct hk_mount_entry e;
		if (hk_mount_entry_parse(entries->v[i], &e, err) < 0)
			return -1;
		struct hk_op *op = add_op(p, e.bind ? HK_OP_BIND : HK_OP_NEWFS, e.target);
		op->source = hk_steal_ptr(&e.source);
		op->fstype = hk_steal_ptr(&e.fstype);
		op->data = hk_steal_ptr(&e.data);
		op->attrs = e.attrs;
		op->create = e.create;
		op->optional = e.optional;
		hk_mount_entry_free(&e);
	}
	return 0;
}

static void plan_masks(struct hk_mount_plan *p)
{
	for (size_t i = 0; i < HK_ARRAY_SIZE(masked_paths); i++)
		add_op(p, HK_OP_MASK, masked_paths[i])->optional = true;
}

int hk_mount_plan_build(const struct hk_plan_input *in, struct hk_mount_plan *out,
			struct hk_error **err)
{
	memset(out, 0, sizeof(*out));
	struct auto_modes modes;
	if (parse_auto(in->mount_auto, &modes, err) < 0)
		return -1;
	plan_proc(out, modes.proc);
	plan_sys(out, modes.sys);
	plan_cgroup(out, in, modes.cgroup);
	plan_dev(out, in);
	if (plan_entries(out, in->mount_entries, err) < 0) {
		hk_mount_plan_free(out);
		return -1;
	}
	plan_masks(out);
	return 0;
}

void hk_mount_plan_free(struct hk_mount_plan *plan)
{
	for (size_t i = 0; i < plan->n; i++) {
		free(plan->ops[i].target);
		free(plan->ops[i].source);
		free(plan->ops[i].fstype);
		free(plan->ops[i].data);
	}
	free(plan->ops);
	memset(plan, 0, sizeof(*plan));
}

char *hk_op_describe(const struct hk_op *op)
{
	static const char *const names[] = {
		[HK_OP_NEWFS] = "mount",     [HK_OP_BIND] = "bind",
		[HK_OP_DEVNODE] = "mknod",   [HK_OP_SYMLINK] = "symlink",
		[HK_OP_MASK] = "mask",	     [HK_OP_SELFBIND] = "selfbind",
		[HK_OP_SETATTR] = "setattr", [HK_OP_CONSOLE] = "console",
		[HK_OP_TTY] = "tty",
	};
	return xasprintf("%s %s%s%s%s%s%s%s", names[op->kind], op->target,
			 op->fstype ? " type=" : "", op->fstype ? op->fstype : "",
			 op->source ? " source=" : "", op->source ? op->source : "",
			 (op->attrs & HK_MNT_RDONLY) ? " ro" : "", op->optional ? " optional" : "");
}
