/* elf-static.h - whether an executable is statically linked, as both `hako
 * doctor` and the busybox template ask of the host's busybox: one reader
 * with one set of limits, so that they never disagree about the same
 * file. */
#ifndef HAKO_ELF_STATIC_H
#define HAKO_ELF_STATIC_H

#include "error.h"

/* More program headers than this and the file is refused (a real
 * executable has about a dozen). */
#define HK_ELF_MAX_PHDRS 4096

/* 1 when the ELF file at fd (32- or 64-bit) is statically linked (no
 * PT_INTERP program header), 0 when it is dynamic, -1 with *err (ENOEXEC)
 * when it is no ELF file, its program headers are malformed or more than
 * HK_ELF_MAX_PHDRS, or it is truncated.  shown names it in messages. */
int hk_elf_is_static(int fd, const char *shown, struct hk_error **err);

#endif
