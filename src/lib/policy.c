/*
 * policy.c - the kernel's DMA-remapping rules as pure functions.
 *
 * What Windows computes for DEVPKEY_Device_DmaRemappingPolicy
 * ({83da6326-97a6-4088-9453-a1923f573b29}, 18): 0 = no directive, remapping
 * not enforced; 1 = a driver of the device opted out; 2 = enforced.
 *
 * Before 24H2 only the per-driver DmaRemappingCompatible values of the
 * device's stack count.  From 24H2 on a valid per-device
 * DMA Management\RemappingSupported decides alone; without one the
 * per-driver rules still apply.  Nothing here reads a hive: the inputs are
 * dmar_value records, so every row of the rule tables can be tested alone.
 */
#include "config.h"

#include <dmarscan.h>

#include "bytes.h"

/*
 * The kernel reads a policy value only when it is REG_DWORD with exactly
 * four bytes.  A REG_SZ "1", a REG_BINARY or a DWORD of the wrong size is
 * treated as absent, and so is a number the value does not define.
 */
void dmar_value_judge(dmar_value *v, dmar_value_kind kind, const uint8_t *data,
                      size_t size)
{
	v->is_dword = v->present && v->type == DMAR_REG_DWORD && v->size == 4 &&
	              data != NULL && size == 4;
	v->dword = v->is_dword ? le32(data) : 0;
	switch (kind) {
	case DMAR_VALUE_DMA_REMAPPING_COMPATIBLE:
		v->valid = v->is_dword && v->dword <= 3;
		break;
	case DMAR_VALUE_REMAPPING_SUPPORTED:
		v->valid = v->is_dword && v->dword <= 1;
		break;
	case DMAR_VALUE_REMAPPING_FLAGS:
	case DMAR_VALUE_PLAIN_DWORD:
		v->valid = v->is_dword;
		break;
	}
}

/*
 * DmaRemappingCompatible: 0 opt-out, 1 and 3 opt-in, 2 opt-in only for an
 * external device or under DMA verification (Driver Verifier promotes it to
 * a plain opt-in for the drivers it targets).
 */
dmar_level dmar_level_from_compatible(const dmar_value *compatible, int verified)
{
	if (compatible == NULL || !compatible->valid)
		return DMAR_LEVEL_NONE;
	switch (compatible->dword) {
	case 0:
		return DMAR_LEVEL_OPT_OUT;
	case 1:
	case 3:
		return DMAR_LEVEL_OPT_IN;
	case 2:
		return verified ? DMAR_LEVEL_OPT_IN : DMAR_LEVEL_CONDITIONAL;
	default:
		return DMAR_LEVEL_NONE;
	}
}

static int any_level(const dmar_level *levels, size_t n, dmar_level want)
{
	for (size_t i = 0; i < n; i++)
		if (levels[i] == want)
			return 1;
	return 0;
}

/*
 * Order matters and follows the kernel: an opt-out anywhere poisons the
 * device; a conditional level is looked at before the opt-ins, so an
 * internal device whose function driver opts in but whose filter is
 * conditional ends at 0.
 */
int dmar_policy_combine(const dmar_level *levels, size_t n, int external)
{
	if (any_level(levels, n, DMAR_LEVEL_OPT_OUT))
		return DMAR_POLICY_OPTED_OUT;
	if (any_level(levels, n, DMAR_LEVEL_CONDITIONAL))
		return external ? DMAR_POLICY_ENFORCED : DMAR_POLICY_NOT_ENFORCED;
	if (any_level(levels, n, DMAR_LEVEL_OPT_IN))
		return DMAR_POLICY_ENFORCED;
	return DMAR_POLICY_NOT_ENFORCED;
}

/*
 * 24H2 per-device value: RemappingSupported 0 -> 1; 1 -> 2, unless
 * RemappingFlags bit 0 asks for "only when external or DMA-verified".  An
 * absent or invalid RemappingFlags counts as 0.
 */
int dmar_policy_device_24h2(const dmar_value *remapping_supported,
                            const dmar_value *remapping_flags, int external,
                            int verified, int *policy)
{
	if (remapping_supported == NULL || !remapping_supported->valid)
		return 0;
	if (remapping_supported->dword == 0) {
		*policy = DMAR_POLICY_OPTED_OUT;
		return 1;
	}
	int conditional = remapping_flags != NULL && remapping_flags->valid &&
	                  (remapping_flags->dword & 1u);
	*policy = (!conditional || external || verified) ? DMAR_POLICY_ENFORCED
	                                                  : DMAR_POLICY_NOT_ENFORCED;
	return 1;
}

int dmar_policy_predict(dmar_generation gen, const dmar_level *levels, size_t n,
                        const dmar_value *remapping_supported,
                        const dmar_value *remapping_flags, int external,
                        int verified, int *decided_by_device)
{
	int policy = DMAR_POLICY_NOT_ENFORCED;
	int by_device = gen == DMAR_GEN_24H2 &&
	                dmar_policy_device_24h2(remapping_supported,
	                                        remapping_flags, external,
	                                        verified, &policy);
	if (decided_by_device != NULL)
		*decided_by_device = by_device;
	return by_device ? policy : dmar_policy_combine(levels, n, external);
}
