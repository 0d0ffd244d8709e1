/* config-internal.h - what config.c, config-keys.c and config-text.c share:
 * the key table entry and the resolution of a key spelling (modern, legacy,
 * lxc.net.N.*, prefix keys such as lxc.cgroup.*) to a table entry.
 */
#ifndef HAKO_CONFIG_INTERNAL_H
#define HAKO_CONFIG_INTERNAL_H

#include "config.h"

enum hk_key_shape {
	HK_KEY_PLAIN,  /* lxc.uts.name */
	HK_KEY_NET,    /* lxc.net.N.link: the field lives in struct hk_net_spec */
	HK_KEY_PREFIX, /* lxc.cgroup.*: any subkey, kept in a struct hk_kvlist */
};

struct hk_key_def;

/* Setters and getters see the object that holds the field (the config, or
 * one interface for net keys) and `sub`, the subkey of a prefix key. */
typedef int (*hk_key_setter)(struct hk_config *cfg, void *obj, const struct hk_key_def *def,
			     const char *sub, const char *value, struct hk_error **err);
typedef void (*hk_key_getter)(const void *obj, const struct hk_key_def *def, const char *sub,
			      struct hk_strv *out);

struct hk_key_def {
	struct hk_config_key_info info; /* name ("lxc.net.N.link", "lxc.cgroup.*"), doc, list */
	enum hk_key_shape shape;
	hk_key_setter set;
	hk_key_getter get;
	size_t off; /* offset of the field in struct hk_config or struct hk_net_spec */
	long arg;   /* setter-specific: a bound, a word kind ... */
	int (*check)(const char *value, struct hk_error **err); /* for string keys */
	unsigned flags;
};

/* flags */
#define HK_KEY_APPARMOR 1u /* ignored (with a warning) on a host without AppArmor */
#define HK_KEY_INCLUDE	2u /* lxc.include: handled by the parser */
#define HK_KEY_REPLACE	4u /* prefix key whose subkeys are single-valued (sysctl) */

/* A key spelling resolved against the table. */
struct hk_key_ref {
	const struct hk_key_def *def; /* NULL: an obsolete key that is ignored */
	char *sub;		      /* subkey of a prefix key, else NULL */
	long net;		      /* interface index, -1 = none */
	bool legacy_net;	      /* lxc.network.*: index follows the last interface */
	bool new_net;		      /* lxc.network.type: starts the next interface */
	bool clear_all;		      /* bare prefix (lxc.cgroup, lxc.net): empty value clears */
};

size_t hk_key_table_size(void);
const struct hk_key_def *hk_key_table_at(size_t i);
const struct hk_key_def *hk_key_find(const char *name);

/* Resolves a spelling; -1 with "unknown key" when nothing matches. */
int hk_key_resolve(const char *key, struct hk_key_ref *ref, struct hk_error **err);
void hk_key_ref_free(struct hk_key_ref *ref);
/* The canonical spelling of a resolved key for an interface index. */
char *hk_key_ref_canon(const struct hk_key_ref *ref, long net);
/* Legacy spellings of a modern key ("lxc.rootfs" for lxc.rootfs.path,
 * "lxc.network.link" for lxc.net.N.link), for the man page and its test. */
void hk_key_legacy_names(const char *modern, struct hk_strv *out);

/* The interface with that index, created (sorted) when missing. */
struct hk_net_spec *hk_config_net(struct hk_config *cfg, unsigned index);
void hk_net_spec_free(struct hk_net_spec *n);

/* lxc.include from hk_config_set(): a file or a directory of *.conf. */
int hk_config_include_setter(struct hk_config *cfg, void *obj, const struct hk_key_def *def,
			     const char *sub, const char *value, struct hk_error **err);
/* Parses text whose relative includes resolve against dir (NULL = cwd). */
int hk_config_parse_text_at(struct hk_config *cfg, const char *text, const char *name,
			    const char *dir, struct hk_error **err);

/* Is AppArmor enabled on this host?  Cached. */
bool hk_config_apparmor_enabled(void);

#endif
