/* table.h - plain-text tables for the CLI (not the dashboard's widget).
 *
 * Every cell and header goes through hk_sanitize_line, so callers may put
 * container-controlled text in it as it is; an empty or NULL cell prints
 * as "-".  On a terminal: a header line and columns aligned by code-point
 * count.  In a pipe: no header, one line per row, cells separated by one
 * TAB (a sanitised cell never holds a TAB), for `cut -f`.
 */
#ifndef HAKO_TABLE_H
#define HAKO_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct hk_table;

struct hk_table *hk_table_new(size_t ncols, const char *const *headers);
void hk_table_free(struct hk_table *t);
/* Starts a new row; cells are then set left to right. */
void hk_table_add_row(struct hk_table *t);
/* Sets cell col of the last row (a copy, sanitised). */
void hk_table_set(struct hk_table *t, size_t col, const char *text);
void hk_table_print(const struct hk_table *t, FILE *out, bool tty);

/* Names in columns across a terminal `width` wide (like ls), or one per
 * line when !tty.  Names are sanitised. */
void hk_table_print_names(char *const *names, size_t n, FILE *out, bool tty, unsigned width);

#endif
