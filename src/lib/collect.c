/*
 * collect.c - walk one control set into dmar_device / dmar_driver records.
 *
 * Order of work: the Driver Verifier settings (drivers need them), every
 * Enum\PCI\<hw>\<instance> with its class, then one pass over Services for
 * the drivers the stacks name and every service holding a DMA remapping
 * value, then the stacks are pointed at the driver records.  A key that
 * cannot be read is reported through the sink and skipped; the walk goes on.
 */
#include "config.h"

#include "collect.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "pciid.h"
#include "props.h"
#include "report.h"
#include "text.h"
#include "visited.h"

#define DISPLAY_CLASS_GUID "{4d36e968-e325-11ce-bfc1-08002be10318}"
#define VERIFIER_DMA_CHECKING 0x80u
/* A driver a device's stack names, before the driver records exist. */
typedef struct stack_name {
	dmar_role role;
	const char *name;
	const char *source;
} stack_name;

typedef struct class_info {
	const char *guid;
	const char *name;
	const char **lower, **upper;
	int n_lower, n_upper;
	const char *lower_path, *upper_path;
} class_info;

typedef struct collect_ctx {
	const dmar_hive *hive;
	hkey *cs;
	const char *cs_name;
	collect_sink *sink;
	dmar_arena *a;
	arena_vec devices;      /* dmar_device */
	arena_vec stacks;       /* arena_vec of stack_name, one per device */
	arena_vec classes;      /* class_info */
	arena_vec drivers;      /* dmar_driver */
	dmar_verifier verifier;
	size_t services_seen;
} collect_ctx;

/* ---- Small helpers --------------------------------------------------------- */

/* Record that 'where' could not be read, with libregf's reason. */
static void read_problem(collect_ctx *c, const char *where)
{
	arena_strlist_addf(c->a, c->sink->problems, "%s: %s", where,
	                   hive_last_error(c->hive));
}

static void warn(collect_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void warn(collect_ctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = arena_vprintf(c->a, fmt, ap);
	va_end(ap);
	arena_strlist_add(c->a, c->sink->warnings, s);
}

const char *collect_string(dmar_arena *a, const hive_value *raw)
{
	if (!raw->present || raw->data == NULL ||
	    (raw->type != DMAR_REG_SZ && raw->type != DMAR_REG_EXPAND_SZ))
		return NULL;
	const char *s = text_from_utf16le(a, raw->data, raw->size);
	return (s != NULL && s[0] != '\0') ? s : NULL;
}

/* Filter lists are REG_MULTI_SZ; the PnP manager's registry query also
 * takes a REG_SZ as a one-entry list, so do the same. */
int collect_list(dmar_arena *a, const hive_value *raw, const char ***out)
{
	*out = NULL;
	if (!raw->present || raw->data == NULL)
		return 0;
	if (raw->type == DMAR_REG_MULTI_SZ)
		return text_multi_from_utf16le(a, raw->data, raw->size, out);
	const char *s = collect_string(a, raw);
	if (s == NULL)
		return 0;
	const char **one = arena_alloc(a, sizeof(*one));
	if (one == NULL)
		return -1;
	one[0] = s;
	*out = one;
	return 1;
}

void collect_value(dmar_arena *a, const hive_value *raw, dmar_value_kind kind,
                   const char *path, dmar_value *out)
{
	memset(out, 0, sizeof(*out));
	out->path = path;
	out->present = raw->present;
	if (!raw->present)
		return;
	out->type = raw->type;
	out->size = raw->size;
	out->unreadable = raw->unreadable;
	dmar_value_judge(out, kind, raw->data, raw->data ? raw->size : 0);
	if (raw->unreadable)
		out->display = arena_printf(a, "%s %u bytes (unreadable)",
		                            text_type_label(a, raw->type), raw->size);
	else if (raw->data != NULL || raw->size == 0)
		out->display = text_value_display(a, raw->type, raw->data, raw->size);
	else
		out->display = arena_printf(a, "%s %u bytes (too large to load)",
		                            text_type_label(a, raw->type), raw->size);
}

static const char *join_path(collect_ctx *c, const char *base, const char *name)
{
	return arena_printf(c->a, "%s\\%s", base, name);
}

void collect_class_code(dmar_arena *a, const hive_value *hardware_ids,
                        const hive_value *compatible_ids, char out[7])
{
	const char **hw = NULL, **compat = NULL;
	int n_hw = collect_list(a, hardware_ids, &hw);
	int n_compat = collect_list(a, compatible_ids, &compat);
	size_t n = (size_t)(n_hw > 0 ? n_hw : 0) + (size_t)(n_compat > 0 ? n_compat : 0);
	const char **all = arena_calloc(a, n + 1, sizeof(*all));
	out[0] = '\0';
	if (all == NULL)
		return;
	size_t k = 0;
	for (int i = 0; i < n_hw; i++)
		all[k++] = hw[i];
	for (int i = 0; i < n_compat; i++)
		all[k++] = compat[i];
	pciid_class_code(all, k, out);
}

void collect_limit(collect_sink *sink, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	arena_strlist_add(sink->arena, sink->limits, arena_vprintf(sink->arena, fmt, ap));
	va_end(ap);
}

void collect_problem(collect_sink *sink, const char *path, hkey *k)
{
	arena_strlist_addf(sink->arena, sink->problems, "%s: %s", path,
	                   hive_last_error(hkey_hive(k)));
}

hkey *collect_subkey(collect_sink *sink, visited *cells, hkey *k, int i,
                     const char *path)
{
	hkey *sub = NULL;
	uint64_t off;
	if (hkey_subkey_at(k, i, &sub) < 0) {
		collect_problem(sink, arena_printf(sink->arena, "%s (subkey %d)", path, i), k);
		return NULL;
	}
	int fresh = cells == NULL ? collect_first_visit(sink, sub, path)
	            : hkey_offset(sub, &off) > 0 ? visited_add(cells, off) : 1;
	if (fresh <= 0) {
		hkey_free(sub);
		return NULL;
	}
	return sub;
}

int collect_first_visit(collect_sink *sink, hkey *k, const char *parent_path)
{
	uint64_t off;
	if (hkey_offset(k, &off) < 0)
		return 1;   /* cannot tell: walk it */
	int fresh = visited_add(sink->cells, off);
	if (fresh == 0 && (*sink->shared)++ < COLLECT_SHARED_NAMED)
		arena_strlist_addf(sink->arena, sink->warnings,
		                   "%s\\%s: its key cell was already read through "
		                   "another subkey entry (a damaged or hostile hive); "
		                   "skipped", parent_path, hkey_name(k));
	return fresh;
}

/* What a walk step returns: go on, stop this walk (a budget was reached
 * and reported), or out of memory. */
enum { WALK_ON = 0, WALK_STOP = 1, WALK_NOMEM = -1 };

typedef int (*subkey_fn)(collect_ctx *c, hkey *sub, void *arg);

/* Call fn for each subkey of k, named 'path'.  Unreadable subkeys are
 * reported and shared cells skipped; a WALK_STOP or WALK_NOMEM from fn
 * ends the walk and is returned. */
static int each_subkey(collect_ctx *c, hkey *k, const char *path, subkey_fn fn,
                       void *arg)
{
	int n = 0;
	if (hkey_subkey_count(k, &n) < 0) {
		read_problem(c, path);
		return WALK_ON;
	}
	for (int i = 0; i < n; i++) {
		hkey *sub = NULL;
		if (hkey_subkey_at(k, i, &sub) < 0) {
			read_problem(c, arena_printf(c->a, "%s (subkey %d)", path, i));
			continue;
		}
		int fresh = collect_first_visit(c->sink, sub, path);
		int rc = fresh > 0 ? fn(c, sub, arg) : fresh < 0 ? WALK_NOMEM : WALK_ON;
		hkey_free(sub);
		if (rc != WALK_ON)
			return rc;
	}
	return WALK_ON;
}

/* ---- Driver Verifier --------------------------------------------------------- */

static void collect_verifier(collect_ctx *c)
{
	static const char *const names[] = { "VerifyDriverLevel", "VerifyDrivers" };
	dmar_verifier *v = &c->verifier;
	v->key_path = join_path(c, c->cs_name,
	                        "Control\\Session Manager\\Memory Management");
	hkey *k = NULL;
	int r = hkey_open(c->cs, "Control\\Session Manager\\Memory Management", &k);
	if (r < 0)
		read_problem(c, v->key_path);
	if (r <= 0)
		return;
	hive_value raw[2];
	if (hkey_get_values(k, c->a, names, raw, 2) != 0)
		read_problem(c, v->key_path);
	collect_value(c->a, &raw[0], DMAR_VALUE_PLAIN_DWORD,
	              join_path(c, v->key_path, names[0]), &v->level);
	v->drivers_path = join_path(c, v->key_path, names[1]);
	const char **list = NULL;
	int n = collect_list(c->a, &raw[1], &list);
	const char *joined = n > 0 ? text_join(c->a, list, (size_t)n, " ") : NULL;
	v->drivers = joined;
	v->dma_checking = v->level.valid && (v->level.dword & VERIFIER_DMA_CHECKING);
	v->all_drivers = joined != NULL && strcmp(joined, "*") == 0;
	hkey_free(k);
}

/* VerifyDrivers holds image names ("foo.sys bar.sys") or "*". */
static int verifier_targets(const dmar_verifier *v, const char *image)
{
	if (!v->dma_checking || v->drivers == NULL || image == NULL)
		return 0;
	if (v->all_drivers)
		return 1;
	size_t len = strlen(image);
	const char *p = v->drivers;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		size_t n = strcspn(p, " \t,");
		if (n == 0)
			break;
		if ((n == len && text_ncasecmp(p, image, n) == 0) ||
		    (n + 4 == len && text_ncasecmp(p, image, n) == 0 &&
		     text_casecmp(image + n, ".sys") == 0))
			return 1;
		p += n;
	}
	return 0;
}

/* ---- Classes --------------------------------------------------------------------- */

static class_info *class_lookup(collect_ctx *c, const char *guid)
{
	class_info *items = c->classes.items;
	for (size_t i = 0; i < c->classes.count; i++)
		if (text_casecmp(items[i].guid, guid) == 0)
			return &items[i];
	class_info *ci = arena_vec_push(c->a, &c->classes);
	if (ci == NULL)
		return NULL;
	ci->guid = guid;
	hkey *classes = NULL, *k = NULL;
	const char *path = join_path(c, c->cs_name, "Control\\Class");
	int r = hkey_open(c->cs, "Control\\Class", &classes);
	if (r > 0)
		r = hkey_open_child(classes, guid, &k);
	if (r < 0)
		read_problem(c, join_path(c, path, guid));
	if (r > 0) {
		static const char *const names[] = { "Class", "LowerFilters",
		                                     "UpperFilters" };
		hive_value raw[3];
		const char *key_path = join_path(c, path, guid);
		if (hkey_get_values(k, c->a, names, raw, 3) != 0)
			read_problem(c, key_path);
		ci->name = collect_string(c->a, &raw[0]);
		ci->n_lower = collect_list(c->a, &raw[1], &ci->lower);
		ci->n_upper = collect_list(c->a, &raw[2], &ci->upper);
		ci->lower_path = join_path(c, key_path, names[1]);
		ci->upper_path = join_path(c, key_path, names[2]);
	}
	hkey_free(k);
	hkey_free(classes);
	return ci;
}

/* ---- Devices ------------------------------------------------------------------------ */

enum {
	DV_SERVICE, DV_LOWER, DV_UPPER, DV_CLASSGUID, DV_DRIVER, DV_HWID,
	DV_COMPAT, DV_DEVICEDESC, DV_FRIENDLY, DV_LOCATION, DV_CAPS,
	DV_CONTAINER, DV_PARENTPREFIX, DV_CONFIGFLAGS, DV_COUNT
};

static const char *const DEVICE_VALUES[DV_COUNT] = {
	"Service", "LowerFilters", "UpperFilters", "ClassGUID", "Driver",
	"HardwareID", "CompatibleIDs", "DeviceDesc", "FriendlyName",
	"LocationInformation", "Capabilities", "ContainerID", "ParentIdPrefix",
	"ConfigFlags"
};

static int stack_add(collect_ctx *c, arena_vec *stack, dmar_role role,
                     const char *const *names, int n, const char *source)
{
	for (int i = 0; i < n; i++) {
		if (names[i] == NULL || names[i][0] == '\0')
			continue;
		stack_name *s = arena_vec_push(c->a, stack);
		if (s == NULL)
			return -1;
		s->role = role;
		s->name = names[i];
		s->source = source;
	}
	return 0;
}

static void collect_ids(collect_ctx *c, dmar_device *d, hive_value *raw)
{
	collect_class_code(c->a, &raw[DV_HWID], &raw[DV_COMPAT], d->class_code);
}

static void collect_dma_management(collect_ctx *c, hkey *inst, dmar_device *d)
{
	static const char *const names[] = { "RemappingSupported",
	                                     "RemappingFlags" };
	dmar_dma_management *m = &d->dma;
	m->key_path = join_path(c, d->key_path, "Device Parameters\\DMA Management");
	hkey *k = NULL;
	int r = hkey_open(inst, "Device Parameters\\DMA Management", &k);
	hive_value raw[2];
	memset(raw, 0, sizeof(raw));
	if (r < 0)
		read_problem(c, m->key_path);
	if (r > 0) {
		m->present = 1;
		m->last_written = hkey_last_written(k);
		if (hkey_get_values(k, c->a, names, raw, 2) != 0)
			read_problem(c, m->key_path);
	}
	collect_value(c->a, &raw[0], DMAR_VALUE_REMAPPING_SUPPORTED,
	              join_path(c, m->key_path, names[0]), &m->remapping_supported);
	collect_value(c->a, &raw[1], DMAR_VALUE_REMAPPING_FLAGS,
	              join_path(c, m->key_path, names[1]), &m->remapping_flags);
	hkey_free(k);
}

static int collect_stack(collect_ctx *c, dmar_device *d, hive_value *raw,
                         arena_vec *stack)
{
	const char **lower = NULL, **upper = NULL;
	int n_lower = collect_list(c->a, &raw[DV_LOWER], &lower);
	int n_upper = collect_list(c->a, &raw[DV_UPPER], &upper);
	class_info *ci = d->class_guid ? class_lookup(c, d->class_guid) : NULL;
	if (ci != NULL)
		d->class_name = ci->name;
	const char *service[1] = { d->service };
	int rc = 0;
	rc |= stack_add(c, stack, DMAR_ROLE_LOWER_FILTER, lower, n_lower,
	                join_path(c, d->key_path, "LowerFilters"));
	if (ci != NULL)
		rc |= stack_add(c, stack, DMAR_ROLE_CLASS_LOWER_FILTER, ci->lower,
		                ci->n_lower, ci->lower_path);
	rc |= stack_add(c, stack, DMAR_ROLE_SERVICE, service, 1,
	                join_path(c, d->key_path, "Service"));
	rc |= stack_add(c, stack, DMAR_ROLE_UPPER_FILTER, upper, n_upper,
	                join_path(c, d->key_path, "UpperFilters"));
	if (ci != NULL)
		rc |= stack_add(c, stack, DMAR_ROLE_CLASS_UPPER_FILTER, ci->upper,
		                ci->n_upper, ci->upper_path);
	return rc;
}

static void collect_identity(collect_ctx *c, dmar_device *d, const char *hw,
                             hive_value *raw)
{
	pci_ident id;
	pciid_parse(hw, &id);
	memcpy(d->vendor_id, id.vendor_id, sizeof(d->vendor_id));
	memcpy(d->device_id, id.device_id, sizeof(d->device_id));
	memcpy(d->subsystem_id, id.subsystem_id, sizeof(d->subsystem_id));
	memcpy(d->subsystem_vendor_id, id.subsystem_vendor_id,
	       sizeof(d->subsystem_vendor_id));
	memcpy(d->revision, id.revision, sizeof(d->revision));
	collect_ids(c, d, raw);
	d->service = collect_string(c->a, &raw[DV_SERVICE]);
	d->class_guid = collect_string(c->a, &raw[DV_CLASSGUID]);
	d->driver_key = collect_string(c->a, &raw[DV_DRIVER]);
	d->container_id = collect_string(c->a, &raw[DV_CONTAINER]);
	d->parent_id_prefix = collect_string(c->a, &raw[DV_PARENTPREFIX]);
	d->location = text_indirect_format(c->a, collect_string(c->a, &raw[DV_LOCATION]));
	const char *friendly = collect_string(c->a, &raw[DV_FRIENDLY]);
	d->description = text_indirect_format(c->a, friendly ? friendly
	                                      : collect_string(c->a, &raw[DV_DEVICEDESC]));
	d->has_capabilities = hive_value_dword(&raw[DV_CAPS], &d->capabilities);
	hive_value_dword(&raw[DV_CONFIGFLAGS], &d->config_flags);
	d->is_display = pciid_is_display_class(d->class_code) ||
	                (d->class_guid != NULL &&
	                 text_casecmp(d->class_guid, DISPLAY_CLASS_GUID) == 0);
}

static int collect_device(collect_ctx *c, hkey *inst, void *arg)
{
	const char *hw = arg;
	if (c->devices.count >= MAX_DEVICES) {
		collect_limit(c->sink, "%s\\Enum\\PCI: more than %d device "
		              "instances; the rest were not read", c->cs_name,
		              MAX_DEVICES);
		return WALK_STOP;
	}
	dmar_device *d = arena_vec_push(c->a, &c->devices);
	arena_vec *stack = arena_vec_push(c->a, &c->stacks);
	if (d == NULL || stack == NULL)
		return WALK_NOMEM;
	arena_vec_init(stack, sizeof(stack_name));
	const char *name = hkey_name(inst);
	d->instance_id = arena_printf(c->a, "PCI\\%s\\%s", hw, name);
	d->key_path = arena_printf(c->a, "%s\\Enum\\PCI\\%s\\%s", c->cs_name, hw,
	                           name);
	d->last_written = hkey_last_written(inst);
	hive_value raw[DV_COUNT];
	if (hkey_get_values(inst, c->a, DEVICE_VALUES, raw, DV_COUNT) != 0)
		read_problem(c, d->key_path);
	collect_identity(c, d, hw, raw);
	collect_dma_management(c, inst, d);
	props_dates dates;
	/* the property store is evidence on top: damage there is a note */
	if (props_read(inst, c->a, &d->properties, &dates) != 0)
		warn(c, "%s\\Properties: part of it cannot be read (%s); the device "
		     "tree and exposure may lack what it holds", d->key_path,
		     hive_last_error(c->hive));
	d->properties.install_date = dates.install;
	d->first_install = dates.first_install;
	d->last_arrival = dates.last_arrival;
	d->last_removal = dates.last_removal;
	if (collect_stack(c, d, raw, stack) != 0 || arena_failed(c->a))
		return WALK_NOMEM;
	return WALK_ON;
}

static int collect_hardware_key(collect_ctx *c, hkey *hwkey, void *arg)
{
	const char *path = arg;
	const char *hw = arena_strdup(c->a, hkey_name(hwkey));
	if (hw == NULL)
		return WALK_NOMEM;
	return each_subkey(c, hwkey, join_path(c, path, hw), collect_device,
	                   (void *)hw);
}

static int collect_pci(collect_ctx *c)
{
	const char *path = join_path(c, c->cs_name, "Enum\\PCI");
	hkey *pci = NULL;
	int r = hkey_open(c->cs, "Enum\\PCI", &pci);
	if (r < 0)
		read_problem(c, path);
	if (r == 0)
		warn(c, "%s: key absent, no PCI devices recorded", path);
	if (r <= 0)
		return 0;
	int rc = each_subkey(c, pci, path, collect_hardware_key, (void *)path);
	hkey_free(pci);
	return rc == WALK_NOMEM ? -1 : 0;
}

/* ---- Drivers ------------------------------------------------------------------------ */

static int name_cmp(const void *a, const void *b)
{
	return text_casecmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted, unique (case-insensitive) names of every driver in a stack. */
static const char **stack_names(collect_ctx *c, size_t *count)
{
	size_t total = 0;
	arena_vec *stacks = c->stacks.items;
	for (size_t i = 0; i < c->stacks.count; i++)
		total += stacks[i].count;
	const char **names = arena_calloc(c->a, total + 1, sizeof(*names));
	if (names == NULL)
		return NULL;
	size_t n = 0;
	for (size_t i = 0; i < c->stacks.count; i++) {
		stack_name *s = stacks[i].items;
		for (size_t j = 0; j < stacks[i].count; j++)
			names[n++] = s[j].name;
	}
	qsort(names, n, sizeof(*names), name_cmp);
	size_t u = 0;
	for (size_t i = 0; i < n; i++)
		if (u == 0 || text_casecmp(names[u - 1], names[i]) != 0)
			names[u++] = names[i];
	*count = u;
	return names;
}

static const char *image_name(collect_ctx *c, hkey *svc, const char *name)
{
	hive_value raw;
	const char *path = NULL;
	if (hkey_get_value(svc, c->a, "ImagePath", &raw) > 0)
		path = collect_string(c->a, &raw);
	if (path == NULL)
		return text_lower(c->a, arena_printf(c->a, "%s.sys", name));
	const char *slash = strrchr(path, '\\');
	const char *base = slash ? slash + 1 : path;
	const char *fwd = strrchr(base, '/');
	return text_lower(c->a, fwd ? fwd + 1 : base);
}

static void driver_parameters(collect_ctx *c, hkey *svc, dmar_driver *drv)
{
	static const char *const names[] = { "DmaRemappingCompatible",
	                                     "DmaRemappingCompatibleSelfhost",
	                                     "DmaRemappingOnHiberPath" };
	hive_value raw[3];
	memset(raw, 0, sizeof(raw));
	hkey *params = NULL;
	int r = svc ? hkey_open_child(svc, "Parameters", &params) : 0;
	if (r < 0)
		read_problem(c, drv->parameters_path);
	if (r > 0) {
		drv->parameters_last_written = hkey_last_written(params);
		if (hkey_get_values(params, c->a, names, raw, 3) != 0)
			read_problem(c, drv->parameters_path);
	}
	collect_value(c->a, &raw[0], DMAR_VALUE_DMA_REMAPPING_COMPATIBLE,
	              join_path(c, drv->parameters_path, names[0]), &drv->compatible);
	collect_value(c->a, &raw[1], DMAR_VALUE_PLAIN_DWORD,
	              join_path(c, drv->parameters_path, names[1]),
	              &drv->compatible_selfhost);
	collect_value(c->a, &raw[2], DMAR_VALUE_PLAIN_DWORD,
	              join_path(c, drv->parameters_path, names[2]),
	              &drv->on_hiber_path);
	hkey_free(params);
}

/* A driver record with its DMA values; driver_finish completes it. */
static dmar_driver *driver_new(collect_ctx *c, const char *name, hkey *svc)
{
	dmar_driver *drv = arena_vec_push(c->a, &c->drivers);
	if (drv == NULL)
		return NULL;
	drv->name = name;
	drv->service_present = svc != NULL;
	drv->service_path = arena_printf(c->a, "%s\\Services\\%s", c->cs_name, name);
	drv->parameters_path = join_path(c, drv->service_path, "Parameters");
	driver_parameters(c, svc, drv);
	return drv;
}

/* Image name, Driver Verifier targeting and level. */
static dmar_driver *driver_finish(collect_ctx *c, dmar_driver *drv, hkey *svc)
{
	drv->image_name = svc ? image_name(c, svc, drv->name)
	                      : text_lower(c->a, arena_printf(c->a, "%s.sys", drv->name));
	drv->verified = verifier_targets(&c->verifier, drv->image_name);
	drv->level = dmar_level_from_compatible(&drv->compatible, drv->verified);
	return arena_failed(c->a) ? NULL : drv;
}

typedef struct wanted_names {
	const char **names;      /* sorted, unique */
	size_t count;
	unsigned char *seen;
} wanted_names;

/* One service key: keep it when a stack names it or it holds a value. */
static int consider_service(collect_ctx *c, hkey *svc, void *arg)
{
	wanted_names *w = arg;
	if (++c->services_seen > MAX_SERVICES) {
		collect_limit(c->sink, "%s\\Services: more than %d services; the "
		              "rest were not read", c->cs_name, MAX_SERVICES);
		return WALK_STOP;
	}
	const char *name = hkey_name(svc);
	const char **hit = w->count ? bsearch(&name, w->names, w->count,
	                                      sizeof(*w->names), name_cmp) : NULL;
	if (hit != NULL) {
		size_t idx = (size_t)(hit - w->names);
		if (w->seen[idx]) {
			warn(c, "%s\\Services: two keys named %s; the first is used",
			     c->cs_name, name);
			return WALK_ON;
		}
		w->seen[idx] = 1;
		dmar_driver *drv = driver_new(c, *hit, svc);
		return drv && driver_finish(c, drv, svc) ? WALK_ON : WALK_NOMEM;
	}
	/* Not in a stack: keep only if it carries a DMA remapping value. */
	size_t mark = c->drivers.count;
	dmar_driver *drv = driver_new(c, arena_strdup(c->a, name), svc);
	if (drv == NULL)
		return WALK_NOMEM;
	if (!drv->compatible.present && !drv->compatible_selfhost.present &&
	    !drv->on_hiber_path.present) {
		c->drivers.count = mark;
		return WALK_ON;
	}
	return driver_finish(c, drv, svc) ? WALK_ON : WALK_NOMEM;
}

static int collect_services(collect_ctx *c, wanted_names *w)
{
	const char *path = join_path(c, c->cs_name, "Services");
	hkey *services = NULL;
	int r = hkey_open(c->cs, "Services", &services);
	if (r < 0)
		read_problem(c, path);
	if (r == 0)
		warn(c, "%s: key absent", path);
	if (r <= 0)
		return 0;
	int rc = each_subkey(c, services, path, consider_service, w);
	hkey_free(services);
	return rc == WALK_NOMEM ? -1 : 0;
}

/* Point every stack entry at its driver record and count, per driver, the
 * devices whose stack holds it (once per device, in linear time). */
static int resolve_stacks(collect_ctx *c)
{
	dmar_device *devices = c->devices.items;
	arena_vec *stacks = c->stacks.items;
	dmar_driver *drivers = c->drivers.items;
	size_t n_drivers = c->drivers.count;
	size_t *last_device = arena_calloc(c->a, n_drivers + 1, sizeof(size_t));
	if (last_device == NULL)
		return -1;
	for (size_t i = 0; i < c->devices.count; i++) {
		dmar_device *d = &devices[i];
		stack_name *names = stacks[i].items;
		d->stack = arena_calloc(c->a, stacks[i].count + 1, sizeof(*d->stack));
		if (d->stack == NULL)
			return -1;
		for (size_t j = 0; j < stacks[i].count && n_drivers > 0; j++) {
			dmar_driver key = { .name = names[j].name };
			dmar_driver *drv = bsearch(&key, drivers, n_drivers,
			                           sizeof(*drivers), report_driver_cmp);
			if (drv == NULL)
				continue;
			dmar_stack_entry *e = &d->stack[d->n_stack++];
			e->role = names[j].role;
			e->driver = drv;
			e->source = names[j].source;
			if (e->role == DMAR_ROLE_SERVICE)
				d->verified = drv->verified;
			size_t k = (size_t)(drv - drivers);
			if (last_device[k] != i + 1) {
				last_device[k] = i + 1;
				drv->n_devices++;
			}
		}
	}
	return 0;
}

static int collect_drivers(collect_ctx *c)
{
	wanted_names w;
	w.names = stack_names(c, &w.count);
	w.seen = arena_calloc(c->a, w.count + 1, 1);
	if (w.names == NULL || w.seen == NULL)
		return -1;
	if (collect_services(c, &w) != 0)
		return -1;
	for (size_t i = 0; i < w.count; i++) {
		dmar_driver *drv = w.seen[i] ? NULL : driver_new(c, w.names[i], NULL);
		if (!w.seen[i] && (drv == NULL || driver_finish(c, drv, NULL) == NULL))
			return -1;
	}
	if (c->drivers.count > 1)
		qsort(c->drivers.items, c->drivers.count, sizeof(dmar_driver),
		      report_driver_cmp);
	if (resolve_stacks(c) != 0)
		return -1;
	return arena_failed(c->a) ? -1 : 0;
}

/* ---- Entry point ---------------------------------------------------------------- */

/* Control\DmaSecurity\AllowedBuses: every value (name = description,
 * data = the bus's hardware id). */
static void collect_allowed_buses(collect_ctx *c, dmar_control_set *out)
{
	hkey *k = NULL;
	const char *path = join_path(c, c->cs_name, "Control\\DmaSecurity\\AllowedBuses");
	int r = hkey_open(c->cs, "Control\\DmaSecurity\\AllowedBuses", &k);
	if (r < 0)
		read_problem(c, path);
	if (r <= 0)
		return;
	out->allowed_buses_path = path;
	out->allowed_buses_written = hkey_last_written(k);
	int n = 0;
	if (hkey_value_count(k, &n) < 0)
		read_problem(c, path);
	if (n > MAX_ALLOWED_BUSES) {
		collect_limit(c->sink, "%s: %d values, only the first %d read",
		              path, n, MAX_ALLOWED_BUSES);
		n = MAX_ALLOWED_BUSES;
	}
	dmar_allowed_bus *buses = arena_calloc(c->a, (size_t)n + 1, sizeof(*buses));
	for (int i = 0; buses != NULL && i < n; i++) {
		hive_value raw;
		const char *name = NULL;
		if (hkey_value_at(k, i, c->a, &name, &raw) < 0) {
			read_problem(c, path);
			continue;
		}
		dmar_value v;
		collect_value(c->a, &raw, DMAR_VALUE_PLAIN_DWORD, path, &v);
		const char *text = collect_string(c->a, &raw);
		dmar_allowed_bus *b = &buses[out->n_allowed_buses++];
		b->name = name[0] ? name : "(default)";
		b->value = text ? text : v.display;
	}
	out->allowed_buses = buses;
	hkey_free(k);
}

int collect_control_set(hkey *cs, collect_sink *sink, dmar_control_set *out)
{
	collect_ctx c;
	memset(&c, 0, sizeof(c));
	c.hive = hkey_hive(cs);
	c.cs = cs;
	c.cs_name = out->name;
	c.sink = sink;
	c.a = sink->arena;
	arena_vec_init(&c.devices, sizeof(dmar_device));
	arena_vec_init(&c.stacks, sizeof(arena_vec));
	arena_vec_init(&c.classes, sizeof(class_info));
	arena_vec_init(&c.drivers, sizeof(dmar_driver));

	collect_verifier(&c);
	collect_allowed_buses(&c, out);
	if (collect_pci(&c) != 0 || collect_drivers(&c) != 0)
		return -1;
	out->devices = c.devices.items;
	out->n_devices = c.devices.count;
	out->drivers = c.drivers.items;
	out->n_drivers = c.drivers.count;
	out->verifier = c.verifier;
	return arena_failed(c.a) ? -1 : 0;
}
