/*
 * history.c - the Enum\PCI history of every control set, against the known
 * DMA attack hardware identities.
 *
 * Windows keeps a device's Enum\PCI key after the device is gone, so the
 * keys of every ControlSetNNN (not only the one analysed) are the record of
 * what was ever plugged in.  Each instance is matched against the
 * attack-hardware table (data/attack-hardware.ids and --ioc-file); a match
 * is kept once per instance id with the control sets that hold it.
 */
#include "config.h"

#include "history.h"

#include <stdio.h>
#include <string.h>

#include "bounds.h"
#include "pciid.h"
#include "props.h"
#include "strmap.h"
#include "text.h"
#include "visited.h"

typedef struct history_ctx {
	collect_sink *sink;
	dmar_arena *a;
	const id_list *table;
	visited cells;             /* this walk's own: keys may repeat across sets */
	arena_vec matches;         /* dmar_attack_match */
	strmap by_id;              /* instance id -> index in matches */
	size_t examined;
} history_ctx;

static void problem(history_ctx *c, const char *path, hkey *k)
{
	collect_problem(c->sink, path, k);
}

/* A subkey not entered before in this walk, or NULL. */
static hkey *subkey(history_ctx *c, hkey *k, int i, const char *path)
{
	return collect_subkey(c->sink, &c->cells, k, i, path);
}

static void record(history_ctx *c, hkey *inst, const char *cs_name,
                   const char *hw, const id_entry *e)
{
	const char *name = hkey_name(inst);
	const char *id = arena_printf(c->a, "PCI\\%s\\%s", hw, name);
	size_t at;
	if (id == NULL)
		return;
	if (strmap_get(&c->by_id, id, &at)) {
		/* once per set: the sets are scanned in order, so a repeat in
		 * this set (duplicate key names) is the last one named; growing
		 * the list for each would be quadratic in arena memory */
		dmar_attack_match *m = (dmar_attack_match *)c->matches.items + at;
		size_t have = strlen(m->control_sets), len = strlen(cs_name);
		if (have >= len && strcmp(m->control_sets + have - len, cs_name) == 0)
			return;
		m->control_sets = arena_printf(c->a, "%s, %s", m->control_sets, cs_name);
		return;
	}
	dmar_attack_match *m = arena_vec_push(c->a, &c->matches);
	if (m == NULL || strmap_put(&c->by_id, id, c->matches.count - 1) != 0)
		return;
	static const char *const names[] = { "DeviceDesc", "FriendlyName" };
	hive_value raw[2];
	dmar_device_properties props;
	props_dates dates;
	hkey_get_values(inst, c->a, names, raw, 2);
	props_read(inst, c->a, &props, &dates);
	const char *friendly = collect_string(c->a, &raw[1]);
	m->instance_id = id;
	m->control_sets = cs_name;
	m->key_path = arena_printf(c->a, "%s\\Enum\\PCI\\%s\\%s", cs_name, hw, name);
	m->last_written = hkey_last_written(inst);
	m->first_install = dates.first_install;
	m->last_arrival = dates.last_arrival;
	m->last_removal = dates.last_removal;
	m->description = text_indirect_format(c->a, friendly ? friendly
	                                      : collect_string(c->a, &raw[0]));
	/* copies: the report may outlive the tables (dmar_scan's own, freed
	 * when it returns, when the caller gave none) */
	m->identity = arena_strdup(c->a, e->description);
	m->family = arena_strdup(c->a, e->family);
	m->source = arena_strdup(c->a, e->source);
	m->severity = (dmar_severity)e->kind;
}

/* The class code an instance's ids spell, into out[7]. */
static void instance_class(history_ctx *c, hkey *inst, char out[7])
{
	static const char *const names[] = { "HardwareID", "CompatibleIDs" };
	hive_value raw[2];
	out[0] = '\0';
	if (hkey_get_values(inst, c->a, names, raw, 2) == 0)
		collect_class_code(c->a, &raw[0], &raw[1], out);
}

static void scan_hardware_key(history_ctx *c, hkey *hwkey, const char *cs_name,
                              const char *path)
{
	const char *hw = arena_strdup(c->a, hkey_name(hwkey));
	pci_ident id;
	pciid_parse(hw, &id);
	char subsys[9];
	snprintf(subsys, sizeof(subsys), "%s%s", id.subsystem_id, id.subsystem_vendor_id);
	int n = 0;
	if (hkey_subkey_count(hwkey, &n) < 0)
		problem(c, path, hwkey);
	for (int i = 0; i < n && c->examined < MAX_INSTANCES; i++) {
		hkey *inst = subkey(c, hwkey, i, path);
		if (inst == NULL)
			continue;
		c->examined++;
		char class_code[7];
		instance_class(c, inst, class_code);
		id_subject s = { id.vendor_id, id.device_id,
		                 strlen(subsys) == 8 ? subsys : NULL, id.revision,
		                 class_code[0] ? class_code : NULL };
		const id_entry *e = idlist_find_specific(c->table, &s);
		if (e != NULL && hw != NULL)
			record(c, inst, cs_name, hw, e);
		hkey_free(inst);
	}
}

static void scan_control_set(history_ctx *c, hkey *root, int number)
{
	char cs_name[24], path[64];
	snprintf(cs_name, sizeof(cs_name), "ControlSet%03d", number);
	snprintf(path, sizeof(path), "%s\\Enum\\PCI", cs_name);
	hkey *pci = NULL;
	int r = hkey_open(root, path, &pci);
	if (r < 0)
		problem(c, path, root);
	int n = 0;
	if (r > 0 && hkey_subkey_count(pci, &n) < 0)
		problem(c, path, pci);
	const char *name = arena_strdup(c->a, cs_name);
	for (int i = 0; i < n && c->examined < MAX_INSTANCES; i++) {
		hkey *hw = subkey(c, pci, i, path);
		if (hw == NULL)
			continue;
		scan_hardware_key(c, hw, name, arena_printf(c->a, "%s\\%s", path,
		                                            hkey_name(hw)));
		hkey_free(hw);
	}
	hkey_free(pci);
}

int history_scan(hkey *root, collect_sink *sink, const int *present, int max,
                 const id_list *table, dmar_report *report)
{
	history_ctx c;
	memset(&c, 0, sizeof(c));
	c.sink = sink;
	c.a = sink->arena;
	c.table = table;
	visited_init(&c.cells);
	arena_vec_init(&c.matches, sizeof(dmar_attack_match));
	strmap_init(&c.by_id);
	for (int n = 1; n <= max; n++)
		if (present[n])
			scan_control_set(&c, root, n);
	if (c.examined >= MAX_INSTANCES)
		collect_limit(sink, "Enum\\PCI history: more than %d instances in "
		              "all control sets; the rest were not matched against "
		              "the attack-hardware table", MAX_INSTANCES);
	report->attack = c.matches.items;
	report->n_attack = c.matches.count;
	visited_free(&c.cells);
	strmap_free(&c.by_id);
	return arena_failed(c.a) ? -1 : 0;
}
