/* tree.h - a foldable tree (the Cgroups tab).  Nodes are added parent
 * first; which nodes are folded is remembered by key, so rebuilding the
 * tree on every refresh keeps what the user folded. */
#ifndef HKW_TREE_H
#define HKW_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "widget.h"

struct hkw_tree;

struct hkw_tree *hkw_tree_new(void);
struct hkw_widget *hkw_tree_widget(struct hkw_tree *t);
/* Removes the nodes; fold state and the selected key stay. */
void hkw_tree_clear(struct hkw_tree *t);
/* parent -1 = a root.  Returns the node's index. */
size_t hkw_tree_add(struct hkw_tree *t, ssize_t parent, const char *key, const char *text,
		    int role);
size_t hkw_tree_count(const struct hkw_tree *t);
void hkw_tree_fold(struct hkw_tree *t, size_t node, bool folded);
bool hkw_tree_folded(const struct hkw_tree *t, size_t node);
/* Unfolds everything. */
void hkw_tree_expand_all(struct hkw_tree *t);
/* How many nodes are shown (not under a folded one). */
size_t hkw_tree_visible(const struct hkw_tree *t);
/* Selected node's index, or -1 when empty. */
ssize_t hkw_tree_selected(const struct hkw_tree *t);

#endif
