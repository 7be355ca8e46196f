/*
 * list-devices.c - the PCI devices of a Windows SYSTEM hive with the
 * DMA-remapping policy Windows would compute for each (before 24H2 / from
 * 24H2 on; 0 not enforced, 1 opted out, 2 enforced), then the findings.
 *
 *   cc -o list-devices list-devices.c $(pkg-config --cflags --libs libdmarscan)
 *   ./list-devices SYSTEM
 */
#include <dmarscan.h>
#include <stdio.h>

/* Registry strings are printed as the hive holds them, so a hostile hive
 * could send escape sequences to the terminal: control characters become
 * '?'. */
static void put_safe(const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		putchar((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s SYSTEM-HIVE\n", argv[0]);
		return 2;
	}

	dmar_options opts;
	dmar_options_init(&opts);   /* the current control set; the rules of
	                               both generations without a SOFTWARE hive */
	dmar_hive *hive = NULL;
	dmar_report *report = NULL;
	dmar_error *err = NULL;
	if (dmar_hive_open(&hive, argv[1], &err) != 0 ||
	    dmar_scan(&report, hive, &opts, &err) != 0) {
		fprintf(stderr, "%s: %s\n", argv[1], err->message);
		dmar_error_free(err);
		dmar_hive_free(hive);
		return 3;
	}

	for (size_t s = 0; s < report->n_sets; s++) {
		const dmar_control_set *set = &report->sets[s];
		printf("%s: %zu PCI devices\n", set->name, set->n_devices);
		for (size_t i = 0; i < set->n_devices; i++) {
			const dmar_device *dev = &set->devices[i];
			printf("  %d/%d  ", dev->prediction[DMAR_GEN_PRE_24H2].policy,
			       dev->prediction[DMAR_GEN_24H2].policy);
			put_safe(dev->instance_id);
			putchar('\n');
		}
		for (size_t i = 0; i < set->n_findings; i++) {
			const dmar_finding *f = &set->findings[i];
			printf("  %-6s  %s  ", dmar_severity_name(f->severity), f->rule);
			put_safe(f->message);
			putchar('\n');
		}
	}
	if (report->error != NULL) {
		fputs("error: ", stdout);
		put_safe(report->error);
		putchar('\n');
	}

	/* Like dmarscan: 3 when part of the hive could not be read, 1 for a
	 * high finding. */
	int status = report->error != NULL ? 3
	           : dmar_report_count_at_least(report, DMAR_SEV_HIGH) > 0 ? 1 : 0;
	dmar_report_free(report);
	dmar_hive_free(hive);
	return status;
}
