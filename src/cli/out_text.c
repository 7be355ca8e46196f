/*
 * out_text.c - the report a person reads: a hive summary, a device table
 * with both predictions and flags, then the findings grouped by severity.
 *
 * Every string that comes from a hive (or a path) is printed through
 * term_safe(), so control characters show as \xNN instead of acting on the
 * terminal.  Colour only when term_want_color() says so.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "fleet.h"
#include "term.h"

#define COLLAPSE_AFTER 3      /* info findings of one rule shown in full */
#define DESC_MIN 24
#define DESC_MAX 44

typedef struct text_state {
	int hives, failed;
	size_t by_severity[4];
	int columns;
	fleet fleet;               /* across hives, for the end */
} text_state;

/* Flag letters: one per rule that fired on the device, in this order. */
static const struct { const char *rule; char flag; const char *meaning; } FLAGS[] = {
	{ "DMAR-ATTACK-HARDWARE", 'A', "a known DMA attack identity" },
	{ "DMAR-OPTOUT-EXTERNAL", 'X', "opted out on an external (or likely external) port" },
	{ "DMAR-FILTER-OPTOUT", 'F', "a filter driver opts out" },
	{ "DMAR-TAMPERED", 'T', "DMA Management differs from its driver package" },
	{ "DMAR-WEAK-ACL", 'W', "non-administrators may change its DMA Management" },
	{ "DMAR-OPTOUT", 'O', "opted out" },
	{ "DMAR-UNPROTECTED-EXTERNAL", 'U', "external or likely external, not protected" },
	{ "DMAR-INVALID-VALUE", 'I', "invalid value, ignored by Windows" },
	{ "DMAR-DEVICE-OVERRIDES-DRIVER", 'D', "24H2 device value overrides drivers" },
	{ "DMAR-CONTROLSET-DRIFT", 'R', "values drift between control sets" },
	{ "DMAR-POLICY-MISMATCH", 'P', "persisted policy differs from the prediction" },
	{ "DMAR-GRAPHICS-OPTIN", 'G', "display adapter opts in" },
	{ "DMAR-CONDITIONAL", 'c', "conditional: depends on exposure" },
};
#define N_FLAGS (sizeof(FLAGS) / sizeof(FLAGS[0]))

static const char *sgr(const output *o, term_color c)
{
	return term_sgr(o->color, c);
}

static term_color severity_color(dmar_severity s)
{
	switch (s) {
	case DMAR_SEV_HIGH: return TC_RED;
	case DMAR_SEV_MEDIUM: return TC_YELLOW;
	case DMAR_SEV_LOW: return TC_CYAN;
	default: return TC_DIM;
	}
}

static void put_safe(output *o, const char *s)
{
	char *safe = term_safe(s);
	fputs(safe ? safe : "?", o->out);
	free(safe);
}

/* Escaped, clipped to 'width' columns, padded when pad is set. */
static void put_cell(output *o, const char *s, size_t width, int pad)
{
	char *safe = term_safe(s ? s : "");
	char *cut = safe ? term_clip(safe, width) : NULL;
	const char *shown = cut ? cut : "?";
	fputs(shown, o->out);
	if (pad)
		for (size_t w = term_width(shown); w < width; w++)
			fputc(' ', o->out);
	free(cut);
	free(safe);
}

static char *size_with_commas(uint64_t n, char *buf, size_t size)
{
	char digits[32];
	int len = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)n);
	size_t o = 0;
	for (int i = 0; i < len && o + 2 < size; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
}

/* ---- Hive summary ------------------------------------------------------------ */

static const char *rules_words(dmar_rules r)
{
	switch (r) {
	case DMAR_RULES_PRE_24H2: return "pre-24H2";
	case DMAR_RULES_24H2: return "24H2";
	default: return "pre-24H2 and 24H2";
	}
}

static void summary_line(output *o, const char *label)
{
	fprintf(o->out, "  %s%-9s%s ", sgr(o, TC_DIM), label, sgr(o, TC_RESET));
}

static void print_logs(output *o, const dmar_hive_info *h)
{
	for (size_t i = 0; i < h->n_logs; i++) {
		const dmar_log_info *l = &h->logs[i];
		summary_line(o, i ? "" : "logs");
		put_safe(o, l->path);
		if (l->applied && l->entries_applied > 0)
			fprintf(o->out, "  replayed %u entr%s, %u page write%s",
			        l->entries_applied, l->entries_applied == 1 ? "y" : "ies",
			        l->pages_applied, l->pages_applied == 1 ? "" : "s");
		else if (l->applied)
			fprintf(o->out, "  replayed (old format), %u page%s",
			        l->pages_applied, l->pages_applied == 1 ? "" : "s");
		if (l->problem) {
			fprintf(o->out, "  %s", l->damaged ? sgr(o, TC_YELLOW) : "");
			put_safe(o, l->problem);
			fputs(sgr(o, TC_RESET), o->out);
		}
		fputc('\n', o->out);
	}
}

/* Why the hive is dirty: "sequence numbers 5 and 4 differ". */
static void print_dirty_reason(output *o, const dmar_hive_info *h)
{
	if (h->seq_primary != h->seq_secondary)
		fprintf(o->out, "sequence numbers %u and %u differ%s", h->seq_primary,
		        h->seq_secondary, h->checksum_ok ? "" : ", base block "
		        "checksum does not match");
	else
		fputs("base block checksum does not match", o->out);
}

/* Did a log that was replayed stop at a problem? */
static int replay_cut_short(const dmar_hive_info *h)
{
	for (size_t i = 0; i < h->n_logs; i++)
		if (h->logs[i].damaged)
			return 1;
	return 0;
}

static void print_state(output *o, const dmar_hive_info *h)
{
	summary_line(o, "state");
	if (h->dirty && h->recovered) {
		int partly = replay_cut_short(h);
		fprintf(o->out, "%sdirty, %srecovered%s  ",
		        sgr(o, partly ? TC_YELLOW : TC_GREEN), partly ? "partly " : "",
		        sgr(o, TC_RESET));
		print_dirty_reason(o, h);
		if (h->recovered_first_seq == h->recovered_last_seq)
			fprintf(o->out, "; replayed log sequence %u", h->recovered_first_seq);
		else
			fprintf(o->out, "; replayed log sequence %u to %u",
			        h->recovered_first_seq, h->recovered_last_seq);
		fprintf(o->out, ": %u page%s changed%s\n", h->recovered_pages,
		        h->recovered_pages == 1 ? "" : "s", h->recovered_base_block
		        ? "; base block taken from the log" : "");
		char size[40];
		summary_line(o, "replayed");
		fprintf(o->out, "%s  %s bytes (the image analysed)\n", h->recovered_sha256,
		        size_with_commas(h->recovered_size, size, sizeof(size)));
	} else if (h->dirty) {
		fprintf(o->out, "%sDIRTY%s  ", sgr(o, TC_YELLOW), sgr(o, TC_RESET));
		print_dirty_reason(o, h);
		fprintf(o->out, "; %s\n", !h->logs_searched ? "logs not read (--no-logs)"
		        : h->n_logs ? "no usable transaction log"
		        : "no transaction log found");
	} else
		fprintf(o->out, "clean (sequence number %u)\n", h->seq_primary);
	print_logs(o, h);
}

static size_t count_directives(const dmar_control_set *s, size_t *devices)
{
	size_t drivers = 0;
	*devices = 0;
	for (size_t i = 0; i < s->n_drivers; i++)
		drivers += s->drivers[i].compatible.present;
	for (size_t i = 0; i < s->n_devices; i++)
		*devices += s->devices[i].dma.present;
	return drivers;
}

static void print_policy_value(output *o, const char *who, const dmar_value *v)
{
	fprintf(o->out, "%s ", who);
	if (!v->present)
		fprintf(o->out, "not set");
	else if (v->valid)
		fprintf(o->out, "%u (%s)", v->dword, v->dword == 0 ? "block"
		        : v->dword == 1 ? "block until sign-in" : "allow all");
	else
		put_safe(o, v->display ? v->display : "?");
}

/* The SOFTWARE hive: where it came from and the enumeration policy. */
static void print_software(output *o, const dmar_software *sw)
{
	if (!sw->present)
		return;
	summary_line(o, "software");
	put_safe(o, sw->path);
	if (sw->error != NULL) {
		fputs(": ", o->out);
		put_safe(o, sw->error);
		fputc('\n', o->out);
		return;
	}
	fputs("; DeviceEnumerationPolicy: ", o->out);
	print_policy_value(o, "Group Policy", &sw->enumeration_gp);
	fputs(", ", o->out);
	print_policy_value(o, "MDM", &sw->enumeration_mdm);
	fputc('\n', o->out);
}

/* Driver packages, key security, attack hardware: one line each. */
static void print_forensics(output *o, const dmar_report *r,
                            const dmar_control_set *s)
{
	size_t traced = 0, weak = 0;
	for (size_t i = 0; i < s->n_devices; i++)
		traced += s->devices[i].package.checked && !s->devices[i].package.problem;
	for (size_t i = 0; i < s->n_acls; i++)
		weak += s->acls[i].weak;
	summary_line(o, "packages");
	if (r->driver_database)
		fprintf(o->out, "%zu of %zu device%s traced to the driver package "
		        "that declares their values (DriverDatabase)\n", traced,
		        s->n_devices, s->n_devices == 1 ? "" : "s");
	else
		fprintf(o->out, "no DriverDatabase in the hive (Windows 10 and later "
		        "keep one): declarations not checked\n");
	summary_line(o, "acls");
	fprintf(o->out, "%zu key%s guarding policy values checked, %zu writable by "
	        "non-administrators\n", s->n_acls, s->n_acls == 1 ? "" : "s", weak);
	summary_line(o, "history");
	fprintf(o->out, "%zu known DMA attack identit%s in the Enum\\PCI history of "
	        "every control set\n", r->n_attack, r->n_attack == 1 ? "y" : "ies");
}

/* Rights as names ("all" for every one). */
static void put_rights(output *o, uint32_t rights)
{
	const uint32_t every = DMAR_RIGHT_SET_VALUE | DMAR_RIGHT_CREATE_SUBKEY |
	                       DMAR_RIGHT_WRITE_DAC | DMAR_RIGHT_WRITE_OWNER |
	                       DMAR_RIGHT_DELETE;
	if ((rights & every) == every) {
		fputs("all", o->out);
		return;
	}
	const char *sep = "";
	for (uint32_t bit = 1; bit != 0; bit <<= 1)
		if ((rights & bit) && dmar_right_name(bit) != NULL) {
			fprintf(o->out, "%s%s", sep, dmar_right_name(bit));
			sep = ",";
		}
}

static void put_principal(output *o, const char *name, const char *sid)
{
	put_safe(o, name ? name : sid ? sid : "?");
	if (name != NULL && sid != NULL) {
		fputs(" (", o->out);
		put_safe(o, sid);
		fputc(')', o->out);
	}
}

/* --acls: the owner and writers of every key guarding a policy value. */
static void print_acls(output *o, const dmar_control_set *s)
{
	fprintf(o->out, "\n  %sKEY SECURITY%s  (keys guarding policy values; "
	        "W = writable by a non-administrator)\n", sgr(o, TC_BOLD),
	        sgr(o, TC_RESET));
	if (s->n_acls == 0)
		fprintf(o->out, "  (no key holds a policy value)\n");
	for (size_t i = 0; i < s->n_acls; i++) {
		const dmar_key_acl *k = &s->acls[i];
		fprintf(o->out, "  %s%s%s ", k->weak ? sgr(o, TC_RED) : "",
		        k->weak ? "W" : " ", k->weak ? sgr(o, TC_RESET) : "");
		put_safe(o, k->path);
		fputc('\n', o->out);
		fprintf(o->out, "      %-8s ", k->holds_value ? "holds" : "parent of");
		put_safe(o, k->guards);
		fputc('\n', o->out);
		if (k->problem != NULL) {
			fprintf(o->out, "      %-8s ", "problem");
			put_safe(o, k->problem);
			fputc('\n', o->out);
			continue;
		}
		fprintf(o->out, "      %-8s ", "owner");
		put_principal(o, k->owner_name, k->owner_sid);
		fputc('\n', o->out);
		if (k->no_dacl)
			fprintf(o->out, "      %-8s no DACL: everyone has full access\n",
			        "writers");
		for (size_t w = 0; w < k->n_writers; w++) {
			const dmar_principal *p = &k->writers[w];
			fprintf(o->out, "      %-8s ", w == 0 ? "writers" : "");
			put_principal(o, p->name, p->sid);
			fputs("  ", o->out);
			put_rights(o, p->rights);
			if (!p->administrative)
				fputs(p->service ? "  (service identity)" : "  (not administrative)",
				      o->out);
			fputc('\n', o->out);
		}
	}
}

/* Where in a disk image the hive was read, and whether it is the backup
 * copy of config\RegBack. */
static void print_origin(output *o, const input_origin *origin)
{
	char offset[40];
	if (origin == NULL)
		return;
	summary_line(o, "image");
	put_safe(o, origin->image);
	fprintf(o->out, " (%s)", origin->format ? origin->format : "?");
	if (origin->volume != NULL) {
		fputs(", partition ", o->out);
		put_safe(o, origin->volume);
		fprintf(o->out, " of its %s volume system", origin->volume_system
		        ? origin->volume_system : "?");
	}
	fprintf(o->out, ", %s file system at byte %s\n",
	        origin->file_system ? origin->file_system : "?",
	        size_with_commas(origin->offset, offset, sizeof(offset)));
	if (origin->backup) {
		summary_line(o, "backup");
		fputs("the copy Windows kept in config\\RegBack, not the live hive\n",
		      o->out);
	}
}

static void print_summary(output *o, const dmar_report *r,
                          const input_origin *origin, const dmar_control_set *s)
{
	char size[40];
	fprintf(o->out, "\n%s", sgr(o, TC_BOLD));
	put_safe(o, r->hive.path);
	if (s != NULL)
		fprintf(o->out, "  %s%s", s->name, s->is_current ? " (current)" : "");
	fprintf(o->out, "%s\n", sgr(o, TC_RESET));
	print_origin(o, origin);
	summary_line(o, "sha256");
	fprintf(o->out, "%s  %s bytes\n", r->hive.sha256,
	        size_with_commas(r->hive.size, size, sizeof(size)));
	print_state(o, &r->hive);
	summary_line(o, "control");
	if (s != NULL)
		fprintf(o->out, "%s; Select\\Current = %d\n", s->name, r->select_current);
	else
		fprintf(o->out, "none analysed\n");
	summary_line(o, "rules");
	fprintf(o->out, "%s; ", rules_words(r->rules));
	put_safe(o, r->rules_reason);
	fputc('\n', o->out);
	print_software(o, &r->software);
	if (s == NULL)
		return;
	size_t dev_directives = 0;
	size_t drv_directives = count_directives(s, &dev_directives);
	summary_line(o, "devices");
	fprintf(o->out, "%zu PCI device%s; %zu driver%s with a DmaRemappingCompatible "
	        "value; %zu device%s with DMA Management\n", s->n_devices,
	        s->n_devices == 1 ? "" : "s", drv_directives,
	        drv_directives == 1 ? "" : "s", dev_directives,
	        dev_directives == 1 ? "" : "s");
	summary_line(o, "verifier");
	if (s->verifier.dma_checking) {
		fprintf(o->out, "DMA checking on for \"");
		put_cell(o, s->verifier.drivers, 80, 0);
		fprintf(o->out, "\"\n");
	} else {
		fprintf(o->out, "DMA checking off\n");
	}
	print_forensics(o, r, s);
}

/* ---- Device table ------------------------------------------------------------ */

static int flag_of(const char *rule)
{
	for (size_t f = 0; f < N_FLAGS; f++)
		if (strcmp(rule, FLAGS[f].rule) == 0)
			return (int)f;
	return -1;
}

/* masks[i]: the FLAGS bits of the findings on device i, in one pass over
 * the findings. */
static unsigned *device_flag_masks(const dmar_control_set *s)
{
	unsigned *masks = calloc(s->n_devices + 1, sizeof(*masks));
	for (size_t i = 0; masks != NULL && i < s->n_findings; i++) {
		const dmar_finding *f = &s->findings[i];
		int flag = flag_of(f->rule);
		const dmar_device *d = flag >= 0 ? dmar_find_device(s, f->instance_id)
		                                 : NULL;
		if (d != NULL)
			masks[d - s->devices] |= 1u << flag;
	}
	return masks;
}

static void flags_text(unsigned mask, char *out)
{
	size_t n = 0;
	for (size_t f = 0; f < N_FLAGS; f++)
		if (mask & (1u << f))
			out[n++] = FLAGS[f].flag;
	out[n] = '\0';
}

static const char *role_prefix(dmar_role r)
{
	switch (r) {
	case DMAR_ROLE_LOWER_FILTER: return "lf:";
	case DMAR_ROLE_CLASS_LOWER_FILTER: return "clf:";
	case DMAR_ROLE_UPPER_FILTER: return "uf:";
	case DMAR_ROLE_CLASS_UPPER_FILTER: return "cuf:";
	default: return "";
	}
}

static void print_stack(output *o, const dmar_device *d)
{
	if (d->n_stack == 0)
		fprintf(o->out, "%s(no driver)%s", sgr(o, TC_DIM), sgr(o, TC_RESET));
	for (size_t i = 0; i < d->n_stack; i++) {
		const dmar_stack_entry *e = &d->stack[i];
		const dmar_value *v = &e->driver->compatible;
		fprintf(o->out, "%s%s", i ? " " : "", role_prefix(e->role));
		put_safe(o, e->driver->name);
		if (v->is_dword)
			fprintf(o->out, "=%u", v->dword);
		else if (v->present)
			fprintf(o->out, "=%s", dmar_reg_type_name(v->type)
			        ? dmar_reg_type_name(v->type) : "?");
		if (DMAR_VALUE_IGNORED(v))
			fputc('!', o->out);
	}
	if (d->dma.present) {
		const dmar_value *sup = &d->dma.remapping_supported;
		fprintf(o->out, " dev:");
		if (sup->is_dword)
			fprintf(o->out, "%u", sup->dword);
		else if (sup->present)
			fprintf(o->out, "%s", dmar_reg_type_name(sup->type)
			        ? dmar_reg_type_name(sup->type) : "?");
		else
			fputc('-', o->out);
		if (d->dma.remapping_flags.is_dword)
			fprintf(o->out, "/f%u", d->dma.remapping_flags.dword);
		if (DMAR_VALUE_IGNORED(sup) || DMAR_VALUE_IGNORED(&d->dma.remapping_flags))
			fputc('!', o->out);
	}
}

static void print_policy(output *o, int policy)
{
	term_color c = policy == DMAR_POLICY_OPTED_OUT ? TC_RED
	             : policy == DMAR_POLICY_ENFORCED ? TC_GREEN : TC_RESET;
	fprintf(o->out, "%s%d%s", sgr(o, c), policy, sgr(o, TC_RESET));
}

static size_t desc_width(const output *o)
{
	const text_state *st = o->state;
	if (st->columns <= 0)
		return DESC_MAX;
	long w = st->columns - 70;
	return w < DESC_MIN ? DESC_MIN : w > DESC_MAX ? DESC_MAX : (size_t)w;
}

static void print_legend(output *o, unsigned used)
{
	fprintf(o->out, "  %spolicy  0 not enforced, 1 opted out, 2 enforced\n"
	        "  stack   service=N: DmaRemappingCompatible N; lf:/uf: device "
	        "filters, clf:/cuf: class filters;\n"
	        "          dev:N/fN: DMA Management RemappingSupported/Flags; "
	        "!: value ignored by Windows", sgr(o, TC_DIM));
	const char *sep = "\n  flags   ";
	for (size_t f = 0; f < N_FLAGS; f++) {
		if (!(used & (1u << f)))
			continue;
		fprintf(o->out, "%s%c %s", sep, FLAGS[f].flag, FLAGS[f].meaning);
		sep = "; ";
	}
	fprintf(o->out, "%s\n", sgr(o, TC_RESET));
}

static void print_devices(output *o, const dmar_control_set *s)
{
	size_t dw = desc_width(o);
	unsigned used = 0;
	if (s->n_devices == 0) {
		fprintf(o->out, "\n  no PCI devices recorded\n");
		return;
	}
	unsigned *masks = device_flag_masks(s);
	fprintf(o->out, "\n  %sPRE 24H2 FLAGS ID         CLASS  %-*s DRIVER STACK%s\n",
	        sgr(o, TC_BOLD), (int)dw, "DEVICE", sgr(o, TC_RESET));
	for (size_t i = 0; i < s->n_devices; i++) {
		const dmar_device *d = &s->devices[i];
		char flags[N_FLAGS + 1], id[16];
		unsigned mask = masks ? masks[i] : 0;
		flags_text(mask, flags);
		used |= mask;
		snprintf(id, sizeof(id), "%s:%s", d->vendor_id[0] ? d->vendor_id : "????",
		         d->device_id[0] ? d->device_id : "????");
		fprintf(o->out, "   ");
		print_policy(o, d->prediction[DMAR_GEN_PRE_24H2].policy);
		fprintf(o->out, "   ");
		print_policy(o, d->prediction[DMAR_GEN_24H2].policy);
		fprintf(o->out, "   %s%-5s%s %-10s %-6s ", sgr(o, TC_YELLOW), flags,
		        sgr(o, TC_RESET), id, d->class_code[0] ? d->class_code : "-");
		put_cell(o, d->description ? d->description : d->instance_id, dw, 1);
		fputc(' ', o->out);
		print_stack(o, d);
		fputc('\n', o->out);
	}
	free(masks);
	print_legend(o, used);
}

/* ---- Device tree ------------------------------------------------------------------ */

static const char *exposure_mark(dmar_exposure_verdict v)
{
	switch (v) {
	case DMAR_EXPOSURE_EXTERNAL: return "EXTERNAL";
	case DMAR_EXPOSURE_LIKELY_EXTERNAL: return "likely-external";
	case DMAR_EXPOSURE_INTERNAL: return "internal";
	default: return "exposure?";
	}
}

typedef struct tree_index {
	size_t *first;     /* first[i]: offset of node i's children in kids */
	size_t *count;
	size_t *kids;
} tree_index;

static int tree_index_build(const dmar_control_set *s, tree_index *t)
{
	size_t n = s->n_nodes;
	t->first = calloc(n + 1, sizeof(size_t));
	t->count = calloc(n + 1, sizeof(size_t));
	t->kids = calloc(n + 1, sizeof(size_t));
	size_t *fill = calloc(n + 1, sizeof(size_t));
	if (!t->first || !t->count || !t->kids || !fill) {
		free(fill);
		free(t->first);
		free(t->count);
		free(t->kids);
		memset(t, 0, sizeof(*t));
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (s->nodes[i].parent)
			t->count[s->nodes[i].parent - s->nodes]++;
	for (size_t i = 1; i <= n; i++)
		t->first[i] = t->first[i - 1] + t->count[i - 1];
	/* nodes come parents first, sorted by depth, so children keep the
	 * order of the devices (the hive's key order) */
	for (size_t i = 0; i < n; i++) {
		const dmar_node *p = s->nodes[i].parent;
		if (p) {
			size_t pi = (size_t)(p - s->nodes);
			t->kids[t->first[pi] + fill[pi]++] = i;
		}
	}
	free(fill);
	return 0;
}

static void tree_index_free(tree_index *t)
{
	free(t->first);
	free(t->count);
	free(t->kids);
}

static void print_tree_node(output *o, const dmar_node *n)
{
	const dmar_device *d = n->device;
	if (d != NULL) {
		fprintf(o->out, "%s:%s ", d->vendor_id[0] ? d->vendor_id : "????",
		        d->device_id[0] ? d->device_id : "????");
		put_cell(o, d->description ? d->description : d->instance_id, 44, 0);
		const char *inst = strrchr(d->instance_id, '\\');
		fputs(" [", o->out);
		put_safe(o, inst ? inst + 1 : d->instance_id);
		fprintf(o->out, "]  policy ");
		print_policy(o, d->prediction[DMAR_GEN_PRE_24H2].policy);
		fputc('/', o->out);
		print_policy(o, d->prediction[DMAR_GEN_24H2].policy);
	} else {
		put_safe(o, n->instance_id);
		if (n->description) {
			fputs("  ", o->out);
			put_cell(o, n->description, 44, 0);
		}
	}
	term_color c = n->verdict == DMAR_EXPOSURE_EXTERNAL ? TC_RED
	             : n->verdict == DMAR_EXPOSURE_LIKELY_EXTERNAL ? TC_YELLOW
	             : TC_DIM;
	fprintf(o->out, "  %s%s%s", sgr(o, c), exposure_mark(n->verdict),
	        sgr(o, TC_RESET));
	if (n->parent_problem) {
		fprintf(o->out, "  %s(", sgr(o, TC_YELLOW));
		put_safe(o, n->parent_problem);
		fprintf(o->out, ")%s", sgr(o, TC_RESET));
	}
	fputc('\n', o->out);
}

/* Depth-first from each root; an explicit stack (depth is bounded by the
 * library, but the printer does not rely on it). */
static void print_tree(output *o, const dmar_control_set *s)
{
	tree_index t;
	size_t *stack = calloc(s->n_nodes + 1, sizeof(size_t));
	char *prefix = calloc(s->n_nodes * 4 + 8, 1);
	unsigned char *last = calloc(s->n_nodes + 1, 1);
	if (stack == NULL || prefix == NULL || last == NULL ||
	    tree_index_build(s, &t) != 0) {
		free(stack);
		free(prefix);
		free(last);
		return;
	}
	fprintf(o->out, "\n  %sDEVICE TREE%s  (policy pre-24H2/24H2; exposure)\n",
	        sgr(o, TC_BOLD), sgr(o, TC_RESET));
	for (size_t root = 0; root < s->n_nodes; root++) {
		if (s->nodes[root].parent != NULL)
			continue;
		size_t top = 0;
		stack[top++] = root;
		last[root] = 1;
		while (top > 0) {
			size_t i = stack[--top];
			int depth = s->nodes[i].depth - s->nodes[root].depth;
			/* prefix: one 4-column cell per ancestor level */
			size_t cells = depth > 0 ? (size_t)depth - 1 : 0;
			fprintf(o->out, "  %.*s%s", (int)(cells * 4), prefix,
			        depth == 0 ? "" : last[i] ? "\\-- " : "+-- ");
			print_tree_node(o, &s->nodes[i]);
			if (depth > 0)
				memcpy(prefix + cells * 4, last[i] ? "    " : "|   ", 4);
			for (size_t k = t.count[i]; k-- > 0;) {
				size_t kid = t.kids[t.first[i] + k];
				last[kid] = k + 1 == t.count[i];
				stack[top++] = kid;
			}
		}
	}
	tree_index_free(&t);
	free(stack);
	free(prefix);
	free(last);
}

/* ---- Findings ------------------------------------------------------------------ */

static void print_finding(output *o, const dmar_finding *f, int show_label)
{
	term_color c = severity_color(f->severity);
	if (show_label)
		fprintf(o->out, "\n  %s%-7s%s", sgr(o, c), dmar_severity_name(f->severity),
		        sgr(o, TC_RESET));
	else
		fprintf(o->out, "\n  %-7s", "");
	fprintf(o->out, " %s%s%s", sgr(o, TC_BOLD), f->rule, sgr(o, TC_RESET));
	if (f->instance_id != NULL) {
		fputs("  ", o->out);
		put_safe(o, f->instance_id);
	}
	fprintf(o->out, "\n          ");
	put_safe(o, f->message);
	fputc('\n', o->out);
	for (size_t i = 0; i < f->n_evidence; i++) {
		fprintf(o->out, "          %s- ", sgr(o, TC_DIM));
		put_safe(o, f->evidence[i]);
		fprintf(o->out, "%s\n", sgr(o, TC_RESET));
	}
}

static size_t count_rule(const dmar_control_set *s, const char *rule, size_t from)
{
	size_t n = 0;
	for (size_t i = from; i < s->n_findings; i++)
		n += strcmp(s->findings[i].rule, rule) == 0;
	return n;
}

static void print_findings(output *o, const dmar_control_set *s)
{
	text_state *st = o->state;
	size_t shown[4] = { 0 }, total = 0;
	for (size_t i = 0; i < s->n_findings; i++) {
		const dmar_finding *f = &s->findings[i];
		st->by_severity[f->severity]++;
		if (f->severity >= o->opts->min_severity) {
			shown[f->severity]++;
			total++;
		}
	}
	fprintf(o->out, "\n  %sFINDINGS%s  %zu high, %zu medium, %zu low, %zu info\n",
	        sgr(o, TC_BOLD), sgr(o, TC_RESET), shown[DMAR_SEV_HIGH],
	        shown[DMAR_SEV_MEDIUM], shown[DMAR_SEV_LOW], shown[DMAR_SEV_INFO]);
	if (total == 0)
		fprintf(o->out, "  none at or above %s\n",
		        dmar_severity_name(o->opts->min_severity));
	int last_sev = -1;
	const char *last_rule = NULL;
	size_t of_rule = 0;
	for (size_t i = 0; i < s->n_findings; i++) {
		const dmar_finding *f = &s->findings[i];
		if (f->severity < o->opts->min_severity)
			continue;
		of_rule = (last_rule && strcmp(last_rule, f->rule) == 0) ? of_rule + 1 : 0;
		last_rule = f->rule;
		if (!o->opts->verbose && f->severity == DMAR_SEV_INFO &&
		    of_rule >= COLLAPSE_AFTER) {
			if (of_rule == COLLAPSE_AFTER)
				fprintf(o->out, "\n          %s... and %zu more %s findings "
				        "(-v or --format json lists all)%s\n", sgr(o, TC_DIM),
				        count_rule(s, f->rule, i), f->rule, sgr(o, TC_RESET));
			continue;
		}
		print_finding(o, f, (int)f->severity != last_sev);
		last_sev = (int)f->severity;
	}
}

static void print_notes(output *o, const dmar_report *r)
{
	if (r->error != NULL) {
		fprintf(o->out, "\n  %sERROR%s   ", sgr(o, TC_RED), sgr(o, TC_RESET));
		put_safe(o, r->error);
		fputc('\n', o->out);
	}
	for (size_t i = 0; i < r->n_limits; i++) {
		fprintf(o->out, "%s", i ? "" : "\n");
		fprintf(o->out, "  %slimit%s   ", sgr(o, TC_YELLOW), sgr(o, TC_RESET));
		put_safe(o, r->limits[i]);
		fputc('\n', o->out);
	}
	for (size_t i = 0; i < r->n_warnings; i++) {
		fprintf(o->out, "%s", i || r->n_limits ? "" : "\n");
		fprintf(o->out, "  %snote%s    ", sgr(o, TC_DIM), sgr(o, TC_RESET));
		put_safe(o, r->warnings[i]);
		fputc('\n', o->out);
	}
}

/* ---- Writer calls -------------------------------------------------------------- */

/* Used if even the small allocation of the state fails. */
static text_state text_fallback;

static void text_begin(output *o)
{
	text_state *st = calloc(1, sizeof(*st));
	if (st == NULL)
		st = &text_fallback;
	st->columns = term_columns(o->out);
	o->state = st;
	fprintf(o->out, "%sdmarscan %s%s - DMA-remapping audit of Windows registry "
	        "hives\n", sgr(o, TC_BOLD), dmar_version(), sgr(o, TC_RESET));
}

static void text_hive(output *o, const dmar_report *r, const input_origin *origin)
{
	text_state *st = o->state;
	st->hives++;
	if (r->error != NULL)
		st->failed++;
	fleet_add(&st->fleet, r);
	if (r->n_sets == 0) {
		print_summary(o, r, origin, NULL);
		print_notes(o, r);
		return;
	}
	for (size_t i = 0; i < r->n_sets; i++) {
		print_summary(o, r, origin, &r->sets[i]);
		print_devices(o, &r->sets[i]);
		if (o->opts->tree)
			print_tree(o, &r->sets[i]);
		if (o->opts->acls)
			print_acls(o, &r->sets[i]);
		print_findings(o, &r->sets[i]);
	}
	print_notes(o, r);
}

static void text_failed(output *o, const char *path, const input_origin *origin,
                        const char *message)
{
	text_state *st = o->state;
	st->hives++;
	st->failed++;
	fprintf(o->out, "\n%s", sgr(o, TC_BOLD));
	put_safe(o, path);
	fprintf(o->out, "%s\n", sgr(o, TC_RESET));
	print_origin(o, origin);
	fprintf(o->out, "  %sERROR%s   ", sgr(o, TC_RED), sgr(o, TC_RESET));
	put_safe(o, message);
	fputc('\n', o->out);
}

static int text_end(output *o)
{
	text_state *st = o->state;
	if (st->hives > 1)
		fprintf(o->out, "\n%sRUN%s  %d input%s, %d could not be analysed; "
		        "findings: %zu high, %zu medium, %zu low, %zu info\n",
		        sgr(o, TC_BOLD), sgr(o, TC_RESET), st->hives,
		        st->hives == 1 ? "" : "s", st->failed,
		        st->by_severity[DMAR_SEV_HIGH], st->by_severity[DMAR_SEV_MEDIUM],
		        st->by_severity[DMAR_SEV_LOW], st->by_severity[DMAR_SEV_INFO]);
	fleet_print(&st->fleet, o->out, sgr(o, TC_BOLD), sgr(o, TC_RESET));
	fleet_free(&st->fleet);
	if (st != &text_fallback)
		free(st);
	o->state = NULL;
	return 0;
}

const output_ops output_text_ops = { text_begin, text_hive, text_failed, text_end };
