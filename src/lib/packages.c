/*
 * packages.c - the DMA values the active driver packages declare, and each
 * device's chain to them (see packages.h).
 */
#include "config.h"

#include "bounds.h"
#include "packages.h"

#include <stdio.h>
#include <string.h>

#include "strmap.h"
#include "text.h"

/* An INF and the package it installs from. */
typedef struct inf_package {
	const char *inf;
	const char *package;
} inf_package;

typedef struct index_ctx {
	collect_sink *sink;
	dmar_arena *a;
	package_index *out;
	size_t configurations;
} index_ctx;

static void problem(index_ctx *c, const char *path, hkey *k)
{
	collect_problem(c->sink, path, k);
}

/* The i-th subkey of k, when it can be read and was not entered before. */
static hkey *next_subkey(index_ctx *c, hkey *k, int i, const char *path)
{
	return collect_subkey(c->sink, NULL, k, i, path);
}

static int subkey_count(index_ctx *c, hkey *k, const char *path)
{
	int n = 0;
	if (hkey_subkey_count(k, &n) < 0) {
		problem(c, path, k);
		return 0;
	}
	return n < MAX_KEYS_PER_LIST ? n : MAX_KEYS_PER_LIST;
}

/* Record the values 'names' of key k (absent ones are skipped). */
static void declare(index_ctx *c, hkey *k, const char *path,
                    const inf_package *ip, const char *configuration,
                    const char *service, const char *const *names,
                    const dmar_value_kind *kinds, size_t n)
{
	hive_value raw[3];
	if (hkey_get_values(k, c->a, names, raw, n) != 0)
		problem(c, path, k);
	for (size_t i = 0; i < n; i++) {
		if (!raw[i].present)
			continue;
		dmar_declared_value *d = arena_vec_push(c->a, &c->out->declared);
		if (d == NULL)
			return;
		d->package = ip->package;
		d->inf = ip->inf;
		d->configuration = configuration;
		d->service = service;
		d->name = names[i];
		d->key_path = path;
		d->last_written = hkey_last_written(k);
		collect_value(c->a, &raw[i], kinds[i],
		              arena_printf(c->a, "%s\\%s", path, names[i]), &d->value);
	}
}

static void index_services(index_ctx *c, hkey *services, const char *cfg_path,
                           const inf_package *ip, const char *configuration)
{
	static const char *const names[] = { "DmaRemappingCompatible",
	                                     "DmaRemappingCompatibleSelfhost",
	                                     "DmaRemappingOnHiberPath" };
	static const dmar_value_kind kinds[] = { DMAR_VALUE_DMA_REMAPPING_COMPATIBLE,
	                                         DMAR_VALUE_PLAIN_DWORD,
	                                         DMAR_VALUE_PLAIN_DWORD };
	const char *path = arena_printf(c->a, "%s\\Services", cfg_path);
	int r;
	int n = subkey_count(c, services, path);
	for (int i = 0; i < n; i++) {
		hkey *svc = next_subkey(c, services, i, path), *params = NULL;
		if (svc == NULL)
			continue;
		const char *name = arena_strdup(c->a, hkey_name(svc));
		const char *ppath = arena_printf(c->a, "%s\\%s\\Parameters", path, name);
		r = hkey_open_child(svc, "Parameters", &params);
		if (r < 0)
			problem(c, ppath, svc);
		if (r > 0)
			declare(c, params, ppath, ip, configuration, name, names, kinds, 3);
		hkey_free(params);
		hkey_free(svc);
	}
}

static void index_device(index_ctx *c, hkey *device, const char *cfg_path,
                         const inf_package *ip, const char *configuration)
{
	static const char *const names[] = { "RemappingSupported", "RemappingFlags" };
	static const dmar_value_kind kinds[] = { DMAR_VALUE_REMAPPING_SUPPORTED,
	                                         DMAR_VALUE_REMAPPING_FLAGS };
	hkey *dm = NULL;
	const char *path = arena_printf(c->a, "%s\\Device\\DMA Management", cfg_path);
	int r = hkey_open_child(device, "DMA Management", &dm);
	if (r < 0)
		problem(c, path, device);
	if (r > 0)
		declare(c, dm, path, ip, configuration, NULL, names, kinds, 2);
	hkey_free(dm);
}

/* A configuration's Services and Device keys, found by walking its few
 * subkeys once (a lookup by name would walk them for each name). */
static void index_configuration(index_ctx *c, hkey *cfg, const char *cfg_path,
                                const inf_package *ip, const char *configuration)
{
	int n = subkey_count(c, cfg, cfg_path);
	for (int i = 0; i < n; i++) {
		hkey *sub = next_subkey(c, cfg, i, cfg_path);
		if (sub == NULL)
			continue;
		const char *name = hkey_name(sub);
		if (text_casecmp(name, "Services") == 0)
			index_services(c, sub, cfg_path, ip, configuration);
		else if (text_casecmp(name, "Device") == 0)
			index_device(c, sub, cfg_path, ip, configuration);
		hkey_free(sub);
	}
}

static void index_package(index_ctx *c, hkey *pkg, const inf_package *ip)
{
	hkey *cfgs = NULL;
	const char *path = arena_printf(c->a, "DriverDatabase\\DriverPackages\\%s"
	                                "\\Configurations", ip->package);
	int r = hkey_open_child(pkg, "Configurations", &cfgs);
	if (r < 0)
		problem(c, path, pkg);
	int n = r > 0 ? subkey_count(c, cfgs, path) : 0;
	for (int i = 0; i < n && c->configurations < MAX_CONFIGURATIONS; i++) {
		hkey *cfg = next_subkey(c, cfgs, i, path);
		if (cfg == NULL)
			continue;
		c->configurations++;
		const char *name = arena_strdup(c->a, hkey_name(cfg));
		const char *cfg_path = arena_printf(c->a, "%s\\%s", path, name);
		index_configuration(c, cfg, cfg_path, ip, name);
		hkey_free(cfg);
	}
	hkey_free(cfgs);
}

/* DriverInfFiles\<inf>\Active for every INF. */
static void read_active(index_ctx *c, hkey *db, arena_vec *out)
{
	hkey *infs = NULL;
	const char *path = "DriverDatabase\\DriverInfFiles";
	int r = hkey_open_child(db, "DriverInfFiles", &infs);
	if (r < 0)
		problem(c, path, db);
	int n = r > 0 ? subkey_count(c, infs, path) : 0;
	if (n >= MAX_INFS)
		collect_limit(c->sink, "%s: more than %d INFs; the rest were not "
		              "read", path, MAX_INFS);
	for (int i = 0; i < n && i < MAX_INFS; i++) {
		hkey *inf = next_subkey(c, infs, i, path);
		hive_value raw;
		if (inf == NULL)
			continue;
		const char *pkg = hkey_get_value(inf, c->a, "Active", &raw) > 0
		                ? collect_string(c->a, &raw) : NULL;
		inf_package *ip = arena_vec_push(c->a, out);
		if (ip != NULL) {
			ip->inf = arena_strdup(c->a, hkey_name(inf));
			ip->package = pkg && *pkg ? pkg : NULL;
		}
		hkey_free(inf);
	}
	hkey_free(infs);
}

int packages_index(hkey *root, collect_sink *sink, package_index *out)
{
	memset(out, 0, sizeof(*out));
	arena_vec_init(&out->declared, sizeof(dmar_declared_value));
	arena_vec_init(&out->infs, sizeof(inf_package));
	index_ctx c = { sink, sink->arena, out, 0 };
	hkey *db = NULL, *packages = NULL;
	int r = hkey_open_child(root, "DriverDatabase", &db);
	if (r < 0)
		problem(&c, "DriverDatabase", root);
	if (r <= 0)
		return arena_failed(c.a) ? -1 : 0;
	out->present = 1;
	read_active(&c, db, &out->infs);
	/* devices look their INF up by name: index the names once */
	int no_memory = 0;
	const inf_package *all = out->infs.items;
	for (size_t i = 0; i < out->infs.count; i++)
		if (all[i].inf != NULL && strmap_put(&out->by_inf, all[i].inf, i) != 0)
			no_memory = 1;
	r = hkey_open_child(db, "DriverPackages", &packages);
	if (r < 0)
		problem(&c, "DriverDatabase\\DriverPackages", db);
	/* walk the packages once (a lookup by name costs a scan of the list)
	 * and index those some INF names as its active package */
	strmap active;
	strmap_init(&active);
	const inf_package *ips = out->infs.items;
	for (size_t i = 0; i < out->infs.count; i++)
		if (ips[i].package != NULL && strmap_put(&active, ips[i].package, i) != 0)
			r = -1;
	int n = r > 0 ? subkey_count(&c, packages, "DriverDatabase\\DriverPackages") : 0;
	for (int i = 0; i < n; i++) {
		hkey *pkg = next_subkey(&c, packages, i, "DriverDatabase\\DriverPackages");
		size_t k;
		if (pkg != NULL && strmap_get(&active, hkey_name(pkg), &k))
			index_package(&c, pkg, &ips[k]);
		hkey_free(pkg);
	}
	strmap_free(&active);
	if (c.configurations >= MAX_CONFIGURATIONS)
		collect_limit(sink, "DriverDatabase: more than %d package "
		              "configurations; the rest were not read",
		              MAX_CONFIGURATIONS);
	hkey_free(packages);
	hkey_free(db);
	return no_memory || arena_failed(c.a) ? -1 : 0;
}

/* ---- Chains ------------------------------------------------------------------------- */

static const inf_package *find_inf(const package_index *index, const char *inf)
{
	size_t at;
	return strmap_get(&index->by_inf, inf, &at)
	       ? (const inf_package *)index->infs.items + at : NULL;
}

void packages_free(package_index *index)
{
	strmap_free(&index->by_inf);
}

/* Whether declaration v concerns device d: its DMA Management values, and
 * the DmaRemappingCompatible of the drivers in its stack.  A configuration
 * may declare any number of services; copying them all into every device
 * that installs from it is devices x services in memory and output. */
static int concerns(const dmar_declared_value *v, const dmar_device *d)
{
	if (v->service == NULL)
		return 1;
	for (size_t k = 0; k < d->n_stack; k++)
		if (text_casecmp(d->stack[k].driver->name, v->service) == 0)
			return 1;
	return 0;
}

/* Whether v is declared by the chain's package configuration and concerns d. */
static int in_chain(const dmar_declared_value *v, const dmar_package_chain *chain,
                    const dmar_device *d)
{
	return text_casecmp(v->package, chain->package) == 0 &&
	       text_casecmp(v->configuration, chain->section) == 0 && concerns(v, d);
}

/* The declarations of one package configuration that concern device d, in
 * the arena. */
static void configuration_values(const package_index *index, dmar_arena *a,
                                 const dmar_device *d, dmar_package_chain *chain)
{
	const dmar_declared_value *all = index->declared.items;
	size_t n = 0;
	for (size_t i = 0; i < index->declared.count; i++)
		n += in_chain(&all[i], chain, d);
	dmar_declared_value *mine = arena_calloc(a, n + 1, sizeof(*mine));
	if (mine == NULL)
		return;
	n = 0;
	for (size_t i = 0; i < index->declared.count; i++)
		if (in_chain(&all[i], chain, d))
			mine[n++] = all[i];
	chain->declared = mine;
	chain->n_declared = n;
}

/* Control\Class and the class keys opened so far (devices share a few
 * classes; a lookup by name walks the whole list). */
typedef struct class_keys {
	hkey *classes;             /* NULL when absent */
	strmap by_guid;            /* guid -> index in keys */
	arena_vec keys;            /* hkey * */
	dmar_arena *a;
} class_keys;

static void class_keys_free(class_keys *ck)
{
	hkey **k = ck->keys.items;
	for (size_t i = 0; i < ck->keys.count; i++)
		hkey_free(k[i]);
	strmap_free(&ck->by_guid);
	hkey_free(ck->classes);
}

/* Open Control\Class\{guid}\NNNN by the device's Driver value; the two
 * names are taken as names, never as a path. */
static int open_driver_key(class_keys *ck, const char *driver_key, hkey **out)
{
	const char *slash = strchr(driver_key, '\\');
	if (ck->classes == NULL || slash == NULL || slash == driver_key ||
	    slash[1] == '\0' || strchr(slash + 1, '\\') != NULL)
		return 0;
	char *guid = arena_strndup(ck->a, driver_key, (size_t)(slash - driver_key));
	size_t at;
	hkey *cls = NULL;
	if (guid == NULL)
		return -1;
	if (strmap_get(&ck->by_guid, guid, &at)) {
		cls = ((hkey **)ck->keys.items)[at];
	} else {
		int r = hkey_open_child(ck->classes, guid, &cls);
		if (r <= 0)
			return r;
		hkey **slot = arena_vec_push(ck->a, &ck->keys);
		if (slot == NULL || strmap_put(&ck->by_guid, guid, ck->keys.count - 1) != 0) {
			hkey_free(cls);
			return -1;
		}
		*slot = cls;
	}
	return cls ? hkey_open_child(cls, slash + 1, out) : 0;
}

static void follow_chain(const package_index *index, class_keys *ck,
                         collect_sink *sink, const char *cs_name, dmar_device *d)
{
	static const char *const names[] = { "InfPath", "InfSection", "ProviderName",
	                                     "DriverVersion" };
	dmar_arena *a = sink->arena;
	dmar_package_chain *chain = &d->package;
	chain->checked = 1;
	if (d->driver_key == NULL) {
		chain->problem = "the device has no Driver value (no driver installed)";
		return;
	}
	chain->driver_key_path = arena_printf(a, "%s\\Control\\Class\\%s", cs_name,
	                                      d->driver_key);
	hkey *k = NULL;
	int r = open_driver_key(ck, d->driver_key, &k);
	if (r <= 0) {
		chain->problem = r < 0 ? "its driver key cannot be read"
		                       : "its driver key is absent";
		if (r < 0 && ck->classes != NULL)
			arena_strlist_addf(a, sink->problems, "%s: %s", chain->driver_key_path,
			                   hive_last_error(hkey_hive(ck->classes)));
		return;
	}
	hive_value raw[4];
	if (hkey_get_values(k, a, names, raw, 4) != 0)
		arena_strlist_addf(a, sink->problems, "%s: %s", chain->driver_key_path,
		                   hive_last_error(hkey_hive(k)));
	hkey_free(k);
	chain->inf = collect_string(a, &raw[0]);
	chain->section = collect_string(a, &raw[1]);
	chain->provider = collect_string(a, &raw[2]);
	chain->version = collect_string(a, &raw[3]);
	if (chain->inf == NULL || chain->section == NULL) {
		chain->problem = "its driver key names no InfPath / InfSection";
		return;
	}
	const inf_package *ip = find_inf(index, chain->inf);
	chain->package = ip ? ip->package : NULL;
	if (chain->package == NULL) {
		chain->problem = arena_printf(a, ip ? "DriverDatabase\\DriverInfFiles\\%s "
		                              "names no Active package"
		                              : "%s is not in DriverDatabase\\DriverInfFiles "
		                              "(its package is not recorded)", chain->inf);
		return;
	}
	chain->configuration_path = arena_printf(a, "DriverDatabase\\DriverPackages"
	                                         "\\%s\\Configurations\\%s",
	                                         chain->package, chain->section);
	configuration_values(index, a, d, chain);
}

/* Every active package's declaration of a driver's DmaRemappingCompatible. */
static void driver_values(const package_index *index, dmar_arena *a,
                          dmar_driver *dr)
{
	const dmar_declared_value *all = index->declared.items;
	size_t n = 0;
	for (size_t pass = 0; pass < 2; pass++) {
		dmar_declared_value *mine = NULL;
		if (pass == 1 && (mine = arena_calloc(a, n + 1, sizeof(*mine))) == NULL)
			return;
		n = 0;
		for (size_t i = 0; i < index->declared.count; i++) {
			const dmar_declared_value *v = &all[i];
			if (v->service == NULL || text_casecmp(v->service, dr->name) != 0 ||
			    strcmp(v->name, "DmaRemappingCompatible") != 0)
				continue;
			if (mine != NULL)
				mine[n] = *v;
			n++;
		}
		dr->declared = mine;
		dr->n_declared = n;
	}
}

int packages_attach(const package_index *index, hkey *cs, collect_sink *sink,
                    dmar_control_set *set)
{
	if (!index->present)
		return 0;
	class_keys ck;
	memset(&ck, 0, sizeof(ck));
	ck.a = sink->arena;
	strmap_init(&ck.by_guid);
	arena_vec_init(&ck.keys, sizeof(hkey *));
	if (hkey_open(cs, "Control\\Class", &ck.classes) < 0)
		arena_strlist_addf(sink->arena, sink->problems, "%s\\Control\\Class: %s",
		                   set->name, hive_last_error(hkey_hive(cs)));
	for (size_t i = 0; i < set->n_devices; i++)
		follow_chain(index, &ck, sink, set->name, &set->devices[i]);
	class_keys_free(&ck);
	for (size_t i = 0; i < set->n_drivers; i++)
		driver_values(index, sink->arena, &set->drivers[i]);
	return arena_failed(sink->arena) ? -1 : 0;
}
