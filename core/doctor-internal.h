/* doctor-internal.h - what doctor.c shares with the checks kept in their
 * own files (doctor-nic.c): a result with owned strings, which doctor.c
 * reports and frees. */
#ifndef HAKO_DOCTOR_INTERNAL_H
#define HAKO_DOCTOR_INTERNAL_H

#include <stddef.h>

#include "doctor.h"

struct hk_doctor_result {
	const char *name; /* static */
	enum hk_doctor_status status;
	char *detail; /* owned */
	char *fix;    /* owned; NULL only when OK or SKIP */
};

#define HK_DOCTOR_NIC_CHECKS 3

/* hako-nic (the path the monitor runs: HAKO_NIC or the installed one),
 * /etc/hako/usernet below root, and the user's veth allowance per bridge.
 * Fills out and returns how many. */
size_t hk_doctor_nic_checks(const struct hk_doctor_opts *o, const char *root,
			    struct hk_doctor_result out[HK_DOCTOR_NIC_CHECKS]);

/* Whether other host users can enter a container directory of
 * o->store_path (store.h says why they must not).  Fills out; returns 0
 * when there is no store path to look at, else 1. */
size_t hk_doctor_store_check(const struct hk_doctor_opts *o, struct hk_doctor_result *out);

#endif
