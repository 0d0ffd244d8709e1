/* steps.c - the table behind steps.h. */
#include "steps.h"

static const struct hk_step_def defs[HK_STEP__COUNT] = {
#define HK_STEP_DEF(op, name, number, what) [HK_STEP_##op##_##name] = { #op, number, what },
	HK_STEPS(HK_STEP_DEF)
#undef HK_STEP_DEF
};

const struct hk_step_def *hk_step_of(enum hk_step step)
{
	return &defs[step];
}
