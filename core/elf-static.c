/* elf-static.c - reads just enough of an ELF file to say whether it is
 * statically linked (elf-static.h): the header of its class, then the
 * type word of each program header, looking for PT_INTERP. */
#include "elf-static.h"

#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

int hk_elf_is_static(int fd, const char *shown, struct hk_error **err)
{
	union {
		Elf64_Ehdr e64;
		Elf32_Ehdr e32;
	} h;
	ssize_t n = pread(fd, &h, sizeof(h), 0);
	if (n < (ssize_t)EI_NIDENT || memcmp(h.e64.e_ident, ELFMAG, SELFMAG) != 0 ||
	    (h.e64.e_ident[EI_CLASS] != ELFCLASS32 && h.e64.e_ident[EI_CLASS] != ELFCLASS64))
		return hk_error_set(err, ENOEXEC, "\"%s\" is not an ELF executable", shown);
	bool is64 = h.e64.e_ident[EI_CLASS] == ELFCLASS64;
	if (n < (ssize_t)(is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr)))
		return hk_error_set(err, ENOEXEC,
				    "\"%s\" is truncated (its ELF header is cut short)", shown);
	uint64_t phoff = is64 ? h.e64.e_phoff : h.e32.e_phoff;
	unsigned phnum = is64 ? h.e64.e_phnum : h.e32.e_phnum;
	unsigned phentsize = is64 ? h.e64.e_phentsize : h.e32.e_phentsize;
	if (phentsize < (is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr)) ||
	    phnum > HK_ELF_MAX_PHDRS)
		return hk_error_set(
			err, ENOEXEC,
			"\"%s\" has malformed ELF program headers (%u of %u bytes each)", shown,
			phnum, phentsize);
	bool interp = false;
	for (unsigned i = 0; i < phnum; i++) {
		uint32_t type; /* p_type comes first in both classes */
		if (pread(fd, &type, sizeof(type), (off_t)(phoff + (uint64_t)i * phentsize)) !=
		    (ssize_t)sizeof(type))
			return hk_error_set(err, ENOEXEC,
					    "\"%s\" is truncated (in its ELF program headers)",
					    shown);
		interp |= type == PT_INTERP;
	}
	return !interp;
}
