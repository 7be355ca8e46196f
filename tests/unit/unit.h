/*
 * unit.h - run a Check suite and turn its result into an exit status.
 */
#ifndef DMAR_UNIT_H
#define DMAR_UNIT_H

#include <check.h>
#include <stdlib.h>

static inline int unit_run(Suite *s)
{
	SRunner *r = srunner_create(s);
	srunner_run_all(r, CK_NORMAL);
	int failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif /* DMAR_UNIT_H */
